//! Unicode text handling: a quick trim, and normalisation for the two places muster compares text
//! loosely: batch duplicates (NFKC, so "ｊｄｏｅ" and "jdoe" collide) and header mapping (NFD, then
//! the marks are dropped).
//!
//! The normalisation tables weigh ~70 KB gzip in a wasm build, a third of the validator. Every
//! JS host muster runs in (Node, browsers, workerd) ships them already, in
//! `String.prototype.normalize`; the `host-unicode` feature uses that instead. Native builds
//! compile the tables in.

/// `text` without surrounding whitespace, as `str::trim`. Most text has none: looking at the end
/// bytes first skips the Unicode whitespace search, which a sheet check otherwise runs several
/// times for every cell.
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    let solid = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !b.is_ascii_whitespace());
    if solid(text.as_bytes().first()) && solid(text.as_bytes().last()) { text } else { text.trim() }
}

/// The NFKC form of `text`.
pub(crate) fn nfkc(text: &str) -> String {
    #[cfg(feature = "host-unicode")]
    {
        host(text, "NFKC")
    }
    #[cfg(not(feature = "host-unicode"))]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfkc().collect()
    }
}

/// The NFD form of `text`: letters with diacritics become the letter, then the marks.
pub(crate) fn nfd(text: &str) -> String {
    #[cfg(feature = "host-unicode")]
    {
        host(text, "NFD")
    }
    #[cfg(not(feature = "host-unicode"))]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfd().collect()
    }
}

#[cfg(feature = "host-unicode")]
fn host(text: &str, form: &str) -> String {
    // `normalize` throws only for an unknown form name; the two used here are standard.
    js_sys::JsString::from(text).normalize(form).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_fold_and_diacritics_decompose() {
        assert_eq!(nfkc("ｊｄｏｅ"), "jdoe");
        assert_eq!(nfkc("ﬁ"), "fi");
        assert_eq!(nfd("é"), "e\u{301}");
        assert_eq!(nfd("plain"), "plain");
    }

    #[test]
    fn trim_trims_as_str_trim_does() {
        for text in ["", " ", "a", " a", "a ", "\ta\r\n", "\u{a0}a", "a\u{3000}", "é", " é ", "Zoë", "\u{2003}"] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }
}
