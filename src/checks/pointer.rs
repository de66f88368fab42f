//! JSON Pointers (RFC 6901) for diagnostics.

/// `parent` extended by one reference token, escaping `~` and `/`.
pub(crate) fn push_token(parent: &str, token: impl std::fmt::Display) -> String {
    let token = token.to_string();
    let mut out = String::with_capacity(parent.len() + token.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_per_rfc_6901() {
        assert_eq!(super::push_token("", "Operations"), "/Operations");
        assert_eq!(super::push_token("/a", 3), "/a/3");
        assert_eq!(super::push_token("/d", "urn:x:y/z~w"), "/d/urn:x:y~1z~0w");
    }
}
