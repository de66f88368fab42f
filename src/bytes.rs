//! Stage 1: raw bytes → what kind of file they are, and text in a known encoding.
//!
//! Spreadsheet exports arrive as UTF-8 with or without a BOM, as UTF-16 (Excel's "Unicode text"),
//! or in a legacy code page; a mis-decoded accent is the most common importer complaint. Muster
//! reads BOMs, recognises BOM-less UTF-16, accepts valid UTF-8, and otherwise falls back to
//! Windows-1252 and says so. An explicit encoding label overrides all of it.

use crate::diag::{Code, Diagnostic};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// What a file is, judged by its first bytes (then its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    /// CSV, TSV and other delimited text.
    Delimited,
    /// An Office Open XML workbook (a ZIP).
    Xlsx,
    /// An OpenDocument spreadsheet (a ZIP).
    Ods,
    /// A legacy Excel 97–2003 workbook (an OLE compound file).
    Xls,
}

/// Decides what `bytes` are. ZIP containers are told apart by name, since both formats are ZIPs.
pub fn sniff(bytes: &[u8], filename: Option<&str>) -> Kind {
    let extension = filename.and_then(|f| f.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    if bytes.starts_with(b"PK\x03\x04") {
        return if extension.as_deref() == Some("ods") { Kind::Ods } else { Kind::Xlsx };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Kind::Xls;
    }
    let first =
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes).iter().find(|b| !b.is_ascii_whitespace() && **b != 0);
    match (first, extension.as_deref()) {
        (_, Some("csv" | "tsv" | "txt" | "tab")) => Kind::Delimited,
        (_, Some("json")) => Kind::Json,
        (Some(b'{' | b'['), _) => Kind::Json,
        _ => Kind::Delimited,
    }
}

/// Text decoded from bytes, with how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    /// The encoding's WHATWG name, for example `UTF-8`, `UTF-16LE`, `windows-1252`.
    pub encoding: &'static str,
    pub had_bom: bool,
}

/// Decodes `bytes`. `label` (a WHATWG encoding label such as `latin1` or `utf-16le`) overrides
/// detection; an unknown label is an error. Falling back to Windows-1252 adds a warning.
pub fn decode(bytes: &[u8], label: Option<&str>) -> Result<(Text, Vec<Diagnostic>), String> {
    let mut diagnostics = Vec::new();
    let (encoding, bom_len) = match label {
        Some(label) => {
            let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                format!("unknown encoding \"{label}\"; use a name such as utf-8, utf-16le, windows-1252")
            })?;
            let bom = Encoding::for_bom(bytes).filter(|(e, _)| *e == encoding).map_or(0, |(_, len)| len);
            (encoding, bom)
        }
        None => match Encoding::for_bom(bytes) {
            Some((encoding, len)) => (encoding, len),
            None => (detect_without_bom(bytes, &mut diagnostics), 0),
        },
    };
    let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
    Ok((Text { text: text.into_owned(), encoding: encoding.name(), had_bom: bom_len > 0 }, diagnostics))
}

fn detect_without_bom(bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> &'static Encoding {
    if let Some(utf16) = looks_like_utf16(bytes) {
        return utf16;
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => UTF_8,
        Err(err) => {
            let line = 1 + bytes[..err.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            diagnostics.push(
                Diagnostic::new(
                    Code::EncodingFallback,
                    format!(
                        "The file is not valid UTF-8 (first at line {line}), so it was read as Windows-1252 (Western European). If accented letters look wrong, choose the file's encoding, or save it from Excel as \"CSV UTF-8\"."
                    ),
                )
                .at_row(line as u64),
            );
            WINDOWS_1252
        }
    }
}

/// BOM-less UTF-16 text has a NUL in every other byte of its ASCII characters.
fn looks_like_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(1024) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(if little { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for unit in text.encode_utf16() {
            out.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        out
    }

    #[test]
    fn reads_every_encoding_excel_writes() {
        let name = "Prénom\tNom\nRenée\tMüller\n";
        let cases: Vec<(Vec<u8>, &str, bool)> = vec![
            (name.as_bytes().to_vec(), "UTF-8", false),
            ([b"\xEF\xBB\xBF".as_slice(), name.as_bytes()].concat(), "UTF-8", true),
            (utf16(name, true, true), "UTF-16LE", true),
            (utf16(name, false, true), "UTF-16BE", true),
            (utf16(name, true, false), "UTF-16LE", false),
            (utf16(name, false, false), "UTF-16BE", false),
        ];
        for (bytes, encoding, bom) in cases {
            let (text, diagnostics) = decode(&bytes, None).unwrap();
            assert_eq!((text.text.as_str(), text.encoding, text.had_bom), (name, encoding, bom));
            assert!(diagnostics.is_empty());
        }
    }

    #[test]
    fn falls_back_to_windows_1252_and_says_where() {
        let bytes = b"first,last\nRen\xE9e,M\xFCller\n";
        let (text, diagnostics) = decode(bytes, None).unwrap();
        assert_eq!((text.text.as_str(), text.encoding), ("first,last\nRenée,Müller\n", "windows-1252"));
        assert_eq!(diagnostics[0].code, Code::EncodingFallback);
        assert_eq!(diagnostics[0].row, Some(2));
    }

    #[test]
    fn an_explicit_label_wins_and_a_bad_one_is_an_error() {
        let (text, _) = decode("Müller".as_bytes(), Some("latin1")).unwrap();
        assert_eq!(text.text, "MÃ¼ller");
        assert!(decode(b"x", Some("klingon")).is_err());
    }

    #[test]
    fn sniffs_kinds_by_magic_then_name() {
        assert_eq!(sniff(b"PK\x03\x04rest", Some("users.xlsx")), Kind::Xlsx);
        assert_eq!(sniff(b"PK\x03\x04rest", Some("users.ODS")), Kind::Ods);
        assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], None), Kind::Xls);
        assert_eq!(sniff(b"\xEF\xBB\xBF [{}]", None), Kind::Json);
        assert_eq!(sniff(b"[Group] not json", Some("a.csv")), Kind::Delimited);
        assert_eq!(sniff(b"Username,Email", None), Kind::Delimited);
    }
}
