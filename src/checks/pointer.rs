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

/// A JSON Pointer written out only when a finding needs it. The checks walk every member of
/// every operation and report on few: building each member's pointer up front was a tenth of a
/// spreadsheet's check time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ptr<'a> {
    parent: Option<&'a Ptr<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    /// A pointer already written (the root of a walk).
    Written(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a> Ptr<'a> {
    pub(crate) const fn new(written: &'a str) -> Self {
        Ptr { parent: None, step: Step::Written(written) }
    }

    /// The member `key` of the value here.
    pub(crate) fn key(&'a self, key: &'a str) -> Ptr<'a> {
        Ptr { parent: Some(self), step: Step::Key(key) }
    }

    /// Element `index` of the array here.
    pub(crate) fn index(&'a self, index: usize) -> Ptr<'a> {
        Ptr { parent: Some(self), step: Step::Index(index) }
    }
}

impl std::fmt::Display for Ptr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        // As deep as the value walked, which serde_json caps at 128.
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.step {
            Step::Written(text) => f.write_str(text),
            Step::Index(i) => write!(f, "/{i}"),
            Step::Key(key) => {
                f.write_char('/')?;
                for c in key.chars() {
                    match c {
                        '~' => f.write_str("~0")?,
                        '/' => f.write_str("~1")?,
                        c => f.write_char(c)?,
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_per_rfc_6901() {
        assert_eq!(super::push_token("", "Operations"), "/Operations");
        assert_eq!(super::push_token("/a", 3), "/a/3");
        assert_eq!(super::push_token("/d", "urn:x:y/z~w"), "/d/urn:x:y~1z~0w");
    }

    #[test]
    fn a_lazy_pointer_reads_as_the_pushed_one() {
        let root = super::Ptr::new("/Operations/3");
        let data = root.key("data");
        let emails = data.key("emails");
        assert_eq!(emails.index(0).key("va/l~ue").to_string(), "/Operations/3/data/emails/0/va~1l~0ue");
        assert_eq!(super::Ptr::new("").key("").to_string(), super::push_token("", ""));
    }
}
