//! Stage 1: raw bytes → what kind of file they are, and text in a known encoding.
//!
//! Spreadsheet exports arrive as UTF-8 with or without a BOM, as UTF-16 (Excel's "Unicode text"),
//! or in a legacy code page; a mis-decoded accent is the most common importer complaint. Muster
//! reads BOMs, recognises BOM-less UTF-16, accepts valid UTF-8, and otherwise falls back to
//! Windows-1252, or to Mac Roman when lines end in a carriage return alone (Excel's "CSV
//! (Macintosh)" writes both), and says so. An explicit encoding label overrides all of it.

use crate::diag::{Code, Diagnostic};
use std::borrow::Cow;

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
pub struct Text<'a> {
    /// The text, borrowed from the bytes when they are UTF-8 already.
    pub text: Cow<'a, str>,
    /// The encoding's WHATWG name, for example `UTF-8`, `UTF-16LE`, `windows-1252`.
    pub encoding: &'static str,
    pub had_bom: bool,
}

/// The encodings every build reads. Others need the `all-encodings` feature (native builds), or
/// decoding by the caller (a browser's `TextDecoder`) before muster sees the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
    MacRoman,
}

impl Known {
    fn name(self) -> &'static str {
        match self {
            Known::Utf8 => "UTF-8",
            Known::Utf16Le => "UTF-16LE",
            Known::Utf16Be => "UTF-16BE",
            Known::Windows1252 => "windows-1252",
            Known::MacRoman => "macintosh",
        }
    }

    /// WHATWG labels of these (latin1 and ISO-8859-1 mean windows-1252 there too).
    fn for_label(label: &str) -> Option<Known> {
        Some(match label.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Known::Utf8,
            "utf-16" | "utf-16le" => Known::Utf16Le,
            "utf-16be" => Known::Utf16Be,
            "windows-1252" | "cp1252" | "x-cp1252" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "ascii"
            | "us-ascii" => Known::Windows1252,
            "macintosh" | "mac" | "x-mac-roman" | "csmacintosh" => Known::MacRoman,
            _ => return None,
        })
    }

    /// The text, and whether some bytes were not valid in this encoding (they become U+FFFD, or
    /// a last odd byte of UTF-16 is dropped).
    fn decode(self, bytes: &[u8]) -> (Cow<'_, str>, bool) {
        match self {
            // `from_utf8` first: it checks valid text much faster than the lossy reader walks it.
            Known::Utf8 => match std::str::from_utf8(bytes) {
                Ok(text) => (Cow::Borrowed(text), false),
                Err(_) => (String::from_utf8_lossy(bytes), true),
            },
            Known::Utf16Le | Known::Utf16Be => {
                let read = if self == Known::Utf16Le { u16::from_le_bytes } else { u16::from_be_bytes };
                let (text, replaced) = from_utf16(&units(bytes, read));
                (text.into(), replaced || bytes.len() % 2 == 1)
            }
            Known::Windows1252 => (bytes.iter().map(|&b| windows_1252(b)).collect::<String>().into(), false),
            Known::MacRoman => (bytes.iter().map(|&b| mac_roman(b)).collect::<String>().into(), false),
        }
    }
}

/// The text, and whether it has lone surrogates (they become U+FFFD).
fn from_utf16(units: &[u16]) -> (String, bool) {
    let replaced = char::decode_utf16(units.iter().copied()).any(|c| c.is_err());
    (String::from_utf16_lossy(units), replaced)
}

fn units(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Vec<u16> {
    bytes.chunks_exact(2).map(|pair| read([pair[0], pair[1]])).collect()
}

/// Windows-1252 is Latin-1 except 0x80–0x9F, where it has €, curly quotes, dashes and the like.
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Mac Roman, the classic Mac OS code page: ASCII, then accented letters from 0x80 (é is 0x8E).
fn mac_roman(byte: u8) -> char {
    const HIGH: [char; 128] = [
        'Ä', 'Å', 'Ç', 'É', 'Ñ', 'Ö', 'Ü', 'á', 'à', 'â', 'ä', 'ã', 'å', 'ç', 'é', 'è', //
        'ê', 'ë', 'í', 'ì', 'î', 'ï', 'ñ', 'ó', 'ò', 'ô', 'ö', 'õ', 'ú', 'ù', 'û', 'ü', //
        '†', '°', '¢', '£', '§', '•', '¶', 'ß', '®', '©', '™', '´', '¨', '≠', 'Æ', 'Ø', //
        '∞', '±', '≤', '≥', '¥', 'µ', '∂', '∑', '∏', 'π', '∫', 'ª', 'º', 'Ω', 'æ', 'ø', //
        '¿', '¡', '¬', '√', 'ƒ', '≈', '∆', '«', '»', '…', '\u{A0}', 'À', 'Ã', 'Õ', 'Œ', 'œ', //
        '–', '—', '“', '”', '‘', '’', '÷', '◊', 'ÿ', 'Ÿ', '⁄', '€', '‹', '›', 'ﬁ', 'ﬂ', //
        '‡', '·', '‚', '„', '‰', 'Â', 'Ê', 'Á', 'Ë', 'È', 'Í', 'Î', 'Ï', 'Ì', 'Ó', 'Ô', //
        '\u{F8FF}', 'Ò', 'Ú', 'Û', 'Ù', 'ı', 'ˆ', '˜', '¯', '˘', '˙', '˚', '¸', '˝', '˛', 'ˇ',
    ];
    match byte {
        0x80.. => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Decodes `bytes`. `label` (a WHATWG encoding label such as `latin1` or `utf-16le`) overrides
/// detection; an unknown label is an error. Falling back to Windows-1252 or Mac Roman adds a
/// warning.
pub fn decode<'a>(bytes: &'a [u8], label: Option<&str>) -> Result<(Text<'a>, Vec<Diagnostic>), String> {
    let mut diagnostics = Vec::new();
    let bom = bom(bytes);
    let known = match label {
        Some(label) => match Known::for_label(label) {
            Some(known) => known,
            None => return decode_other(bytes, label),
        },
        None => match bom {
            Some((known, _)) => known,
            None => detect_without_bom(bytes, &mut diagnostics),
        },
    };
    let bom_len = bom.filter(|(b, _)| *b == known).map_or(0, |(_, len)| len);
    let (text, replaced) = known.decode(&bytes[bom_len..]);
    if replaced {
        diagnostics.push(replaced_warning(known.name()));
    }
    Ok((Text { text, encoding: known.name(), had_bom: bom_len > 0 }, diagnostics))
}

/// Some bytes were not valid in the file's encoding (given, or told by its BOM): they show as �.
pub(crate) fn replaced_warning(encoding: &str) -> Diagnostic {
    Diagnostic::new(
        Code::EncodingFallback,
        format!(
            "Part of the file is not valid {encoding}; those bytes show as �. Choose the file's encoding (for example windows-1252) and check again, or save it from Excel as \"CSV UTF-8\"."
        ),
    )
}

/// Decodes a file that arrives in pieces. The encoding is decided as [`decode`] decides it, from
/// the first piece (the probe); the rest is decoded as it comes, carrying a character split
/// across pieces over to the next.
pub struct StreamDecoder {
    known: Option<Known>,
    #[cfg(feature = "all-encodings")]
    other: Option<encoding_rs::Decoder>,
    /// Bytes of a character not yet complete.
    carry: Vec<u8>,
    /// The BOM still to skip at the very start.
    skip: usize,
    pub encoding: &'static str,
    /// Set when bytes after the probe turned out not to be UTF-8 (they become U+FFFD).
    pub replaced: bool,
}

impl StreamDecoder {
    /// Decides the encoding from `probe` (the first bytes; `complete` when it is the whole file).
    pub fn start(
        probe: &[u8],
        label: Option<&str>,
        complete: bool,
    ) -> Result<(StreamDecoder, Vec<Diagnostic>), String> {
        let mut diagnostics = Vec::new();
        let bom = bom(probe);
        let known = match label {
            Some(label) => match Known::for_label(label) {
                Some(known) => known,
                None => return StreamDecoder::other(label),
            },
            None => match bom {
                Some((known, _)) => known,
                None => {
                    // A probe that stops inside a UTF-8 character is still UTF-8.
                    let whole = if complete { probe } else { utf8_complete_prefix(probe) };
                    detect_without_bom(whole, &mut diagnostics)
                }
            },
        };
        let skip = bom.filter(|(b, _)| *b == known).map_or(0, |(_, len)| len);
        let decoder = StreamDecoder {
            known: Some(known),
            #[cfg(feature = "all-encodings")]
            other: None,
            carry: Vec::new(),
            skip,
            encoding: known.name(),
            replaced: false,
        };
        Ok((decoder, diagnostics))
    }

    #[cfg(feature = "all-encodings")]
    fn other(label: &str) -> Result<(StreamDecoder, Vec<Diagnostic>), String> {
        let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("unknown encoding \"{label}\"; use a name such as utf-8, utf-16le, windows-1252"))?;
        let decoder = StreamDecoder {
            known: None,
            other: Some(encoding.new_decoder_without_bom_handling()),
            carry: Vec::new(),
            skip: 0,
            encoding: encoding.name(),
            replaced: false,
        };
        Ok((decoder, Vec::new()))
    }

    #[cfg(not(feature = "all-encodings"))]
    fn other(label: &str) -> Result<(StreamDecoder, Vec<Diagnostic>), String> {
        Err(unsupported(label))
    }

    /// Decodes the next piece; `last` for the final one (an incomplete character becomes U+FFFD).
    pub fn decode(&mut self, piece: &[u8], last: bool, out: &mut String) {
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(piece);
        let skip = self.skip.min(bytes.len());
        self.skip -= skip;
        let bytes = &bytes[skip..];
        #[cfg(feature = "all-encodings")]
        if let Some(decoder) = &mut self.other {
            out.reserve(decoder.max_utf8_buffer_length(bytes.len()).unwrap_or(bytes.len() * 3));
            let (_, _, replaced) = decoder.decode_to_string(bytes, out, last);
            self.replaced |= replaced;
            return;
        }
        match self.known {
            Some(Known::Utf8) => {
                let mut rest = bytes;
                loop {
                    match std::str::from_utf8(rest) {
                        Ok(text) => {
                            out.push_str(text);
                            break;
                        }
                        Err(err) => {
                            let (good, bad) = rest.split_at(err.valid_up_to());
                            out.push_str(std::str::from_utf8(good).unwrap_or_default());
                            match err.error_len() {
                                None if !last => {
                                    self.carry = bad.to_vec();
                                    break;
                                }
                                None => {
                                    out.push(char::REPLACEMENT_CHARACTER);
                                    self.replaced = true;
                                    break;
                                }
                                Some(n) => {
                                    out.push(char::REPLACEMENT_CHARACTER);
                                    self.replaced = true;
                                    rest = &bad[n..];
                                }
                            }
                        }
                    }
                }
            }
            Some(known @ (Known::Utf16Le | Known::Utf16Be)) => {
                let read = if known == Known::Utf16Le { u16::from_le_bytes } else { u16::from_be_bytes };
                let mut whole = bytes.len() & !1;
                // Keep a high surrogate for the piece that holds its pair.
                if !last && whole >= 2 {
                    let unit = read([bytes[whole - 2], bytes[whole - 1]]);
                    if (0xD800..0xDC00).contains(&unit) {
                        whole -= 2;
                    }
                }
                let (text, replaced) = from_utf16(&units(&bytes[..whole], read));
                self.replaced |= replaced;
                out.push_str(&text);
                // A last odd byte is no character: dropped, as the one-shot decoder drops it.
                if !last {
                    self.carry = bytes[whole..].to_vec();
                } else if whole < bytes.len() {
                    self.replaced = true;
                }
            }
            Some(Known::Windows1252) => out.extend(bytes.iter().map(|&b| windows_1252(b))),
            Some(Known::MacRoman) => out.extend(bytes.iter().map(|&b| mac_roman(b))),
            None => {}
        }
    }
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 character.
fn utf8_complete_prefix(bytes: &[u8]) -> &[u8] {
    match std::str::from_utf8(bytes) {
        Err(err) if err.error_len().is_none() => &bytes[..err.valid_up_to()],
        _ => bytes,
    }
}

fn bom(bytes: &[u8]) -> Option<(Known, usize)> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        Some((Known::Utf8, 3))
    } else if bytes.starts_with(b"\xFF\xFE") {
        Some((Known::Utf16Le, 2))
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some((Known::Utf16Be, 2))
    } else {
        None
    }
}

#[cfg(feature = "all-encodings")]
fn decode_other<'a>(bytes: &'a [u8], label: &str) -> Result<(Text<'a>, Vec<Diagnostic>), String> {
    let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| format!("unknown encoding \"{label}\"; use a name such as utf-8, utf-16le, windows-1252"))?;
    let (text, _, replaced) = encoding.decode(bytes);
    let diagnostics = if replaced { vec![replaced_warning(encoding.name())] } else { Vec::new() };
    Ok((Text { text, encoding: encoding.name(), had_bom: false }, diagnostics))
}

#[cfg(not(feature = "all-encodings"))]
fn decode_other<'a>(_bytes: &'a [u8], label: &str) -> Result<(Text<'a>, Vec<Diagnostic>), String> {
    Err(unsupported(label))
}

#[cfg(not(feature = "all-encodings"))]
fn unsupported(label: &str) -> String {
    format!(
        "this build reads utf-8, utf-16le, utf-16be, windows-1252 and macintosh, not \"{label}\": decode the file first (in a browser, with TextDecoder) and pass the text"
    )
}

fn detect_without_bom(bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> Known {
    if let Some(utf16) = looks_like_utf16(bytes) {
        return utf16;
    }
    let Err(err) = std::str::from_utf8(bytes) else { return Known::Utf8 };
    let mac = ends_lines_in_lone_returns(bytes);
    let row = row_at(&bytes[..err.valid_up_to()], if mac { b'\r' } else { b'\n' });
    let (known, read_as) = if mac {
        (
            Known::MacRoman,
            "Mac Roman, the code page of the classic Mac its lines end as on (Excel's \"CSV (Macintosh)\")",
        )
    } else {
        (Known::Windows1252, "Windows-1252 (Western European)")
    };
    diagnostics.push(
        Diagnostic::new(
            Code::EncodingFallback,
            format!(
                "The file is not valid UTF-8 (first in row {row}), so it was read as {read_as}. If accented letters look wrong, choose the file's encoding, or save it from Excel as \"CSV UTF-8\"."
            ),
        )
        .at_row(row),
    );
    known
}

/// The spreadsheet row the end of `text` is in: line breaks (`end`) inside a quoted cell do not
/// start a row.
fn row_at(text: &[u8], end: u8) -> u64 {
    let mut quoted = false;
    let mut row = 1;
    for &b in text {
        if b == b'"' {
            quoted = !quoted;
        } else if b == end && !quoted {
            row += 1;
        }
    }
    row
}

/// Whether the text's lines end in a carriage return alone, as on a classic Mac: more lone
/// returns than line feeds in its first 64 KiB.
fn ends_lines_in_lone_returns(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(1 << 16)];
    let (lone, _) = lone_returns(sample, 0, sample.len() == bytes.len());
    !lone.is_empty() && lone.len() > memchr::memchr_iter(b'\n', sample).count()
}

/// Where carriage returns stand alone in `bytes[from..]`, and how far that is known (a return
/// at the very end is not, unless `last`).
pub(crate) fn lone_returns(bytes: &[u8], from: usize, last: bool) -> (Vec<usize>, usize) {
    let mut settled = bytes.len();
    let mut alone = Vec::new();
    for i in memchr::memchr_iter(b'\r', bytes.get(from..).unwrap_or_default()).map(|i| from + i) {
        match bytes.get(i + 1) {
            Some(b'\n') => {}
            None if !last => settled = i,
            _ => alone.push(i),
        }
    }
    (alone, settled)
}

/// BOM-less UTF-16 text has a NUL in every other byte of its ASCII characters.
fn looks_like_utf16(bytes: &[u8]) -> Option<Known> {
    let sample = &bytes[..bytes.len().min(1024) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(Known::Utf16Le)
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(Known::Utf16Be)
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
            assert_eq!((&*text.text, text.encoding, text.had_bom), (name, encoding, bom));
            assert!(diagnostics.is_empty());
        }
    }

    /// A BOM (or a given encoding) decides the encoding, so bytes invalid in it cannot fall back:
    /// they show as U+FFFD, and the one-shot decoder says so as the stream does.
    #[test]
    fn bytes_invalid_in_the_bom_s_encoding_are_said_whole_and_streamed() {
        let mut odd = utf16("a,b\n", true, true);
        odd.push(b'x');
        let mut lone = utf16("a,b\n", false, true);
        lone.extend([0xD8, 0x00, 0x00, b'c']);
        for bytes in [b"\xEF\xBB\xBFa,b\nR\xE9e,x\n".to_vec(), odd, lone] {
            let (_, found) = decode(&bytes, None).unwrap();
            assert_eq!(found.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::EncodingFallback], "{bytes:?}");
            for piece in [1, 3, bytes.len()] {
                let (mut decoder, _) = StreamDecoder::start(&bytes, None, true).unwrap();
                let mut text = String::new();
                let pieces: Vec<&[u8]> = bytes.chunks(piece).collect();
                for (i, chunk) in pieces.iter().enumerate() {
                    decoder.decode(chunk, i + 1 == pieces.len(), &mut text);
                }
                assert!(decoder.replaced, "{bytes:?} in pieces of {piece}");
            }
        }
        let (_, found) = decode(b"\xEF\xBB\xBFa,b\nRen\xC3\xA9e,x\n", None).unwrap();
        assert!(found.is_empty());
    }

    #[test]
    fn falls_back_to_windows_1252_and_says_where() {
        let bytes = b"first,last\nRen\xE9e,M\xFCller\n";
        let (text, diagnostics) = decode(bytes, None).unwrap();
        assert_eq!((&*text.text, text.encoding), ("first,last\nRenée,Müller\n", "windows-1252"));
        assert_eq!(diagnostics[0].code, Code::EncodingFallback);
        assert_eq!(diagnostics[0].row, Some(2));
        // A line break inside a quoted cell does not start a row.
        let (_, diagnostics) = decode(b"first,title\nAnn,\"Sales,\nEMEA\"\n\nRen\xE9e,x\n", None).unwrap();
        assert_eq!(diagnostics[0].row, Some(4));
        assert!(diagnostics[0].message.contains("first in row 4"), "{}", diagnostics[0].message);
    }

    #[cfg(feature = "all-encodings")]
    #[test]
    fn single_byte_tables_agree_with_encoding_rs_on_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        for (label, theirs) in [("windows-1252", encoding_rs::WINDOWS_1252), ("x-mac-roman", encoding_rs::MACINTOSH)] {
            let (theirs, _, _) = theirs.decode(&all);
            let (ours, _) = decode(&all, Some(label)).unwrap();
            assert_eq!(ours.text, theirs, "{label}");
            let mut streamed = String::new();
            let (mut decoder, _) = StreamDecoder::start(&all, Some(label), true).unwrap();
            decoder.decode(&all, true, &mut streamed);
            assert_eq!(streamed, theirs, "{label}");
        }
    }

    /// Excel's "CSV (Macintosh)": lines ending in CR alone, accents in Mac Roman (é is 0x8E).
    #[test]
    fn lines_ending_in_lone_returns_fall_back_to_mac_roman() {
        let mac = b"first,last\rRen\x8Ee,M\x9Fller\r\"Fran\x8Dois\",Gar\x8Don\r";
        for (bytes, label) in [(mac.to_vec(), "whole"), (mac.iter().copied().chain(*b"\r\n").collect(), "a last CRLF")]
        {
            let (text, diagnostics) = decode(&bytes, None).unwrap();
            assert!(text.text.starts_with("first,last\rRenée,Müller\r\"François\",Garçon\r"), "{label}");
            assert_eq!(text.encoding, "macintosh", "{label}");
            assert_eq!((diagnostics[0].code, diagnostics[0].row), (Code::EncodingFallback, Some(2)), "{label}");
            assert!(diagnostics[0].message.contains("Mac Roman"), "{}", diagnostics[0].message);
            let (decoder, found) = StreamDecoder::start(&bytes, None, true).unwrap();
            assert_eq!((decoder.encoding, found), ("macintosh", diagnostics), "{label}");
        }
        // The same bytes with CRLF or LF endings are Windows-1252 (0x8E is Ž there).
        for ending in [&b"\r\n"[..], b"\n"] {
            let bytes: Vec<u8> = mac.split(|&b| b == b'\r').collect::<Vec<_>>().join(ending);
            let (text, _) = decode(&bytes, None).unwrap();
            assert_eq!(text.encoding, "windows-1252");
            assert!(text.text.contains("RenŽe"));
        }
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
