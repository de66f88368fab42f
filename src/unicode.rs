//! Unicode normalisation, for the two places muster compares text loosely: batch duplicates
//! (NFKC, so "ｊｄｏｅ" and "jdoe" collide) and header mapping (NFD, then the marks are dropped).
//!
//! The normalisation tables weigh ~70 KB gzip in a wasm build, a third of the validator. Every
//! JS host muster runs in (Node, browsers, workerd) ships them already, in
//! `String.prototype.normalize`; the `host-unicode` feature uses that instead. Native builds
//! compile the tables in.

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
}
