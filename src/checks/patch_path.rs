//! The PATCH `path` grammar of RFC 7644 §3.5.2 (with the filter grammar of §3.4.2.2), as a small
//! recognizer. (A full SCIM filter crate cost ~190 KB of gzipped wasm for this one check; the tests
//! compare this recognizer with one.)
//!
//! ```text
//! PATH      = attrPath / valuePath [subAttr]
//! attrPath  = [URI ":"] ATTRNAME *1subAttr        subAttr = "." ATTRNAME
//! valuePath = attrPath "[" valFilter "]"          ATTRNAME = ALPHA *("-" / "_" / DIGIT / ALPHA)
//! valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//! attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
//! logExp    = valFilter SP ("and" / "or") SP valFilter
//! ```

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 32;

/// Whether `path` is a valid PATCH path.
pub fn is_valid(path: &str) -> bool {
    let mut p = Parser { s: path.as_bytes(), at: 0 };
    p.path() && p.at == p.s.len()
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.at += usize::from(hit);
        hit
    }

    /// A case-insensitive keyword followed by a space (or, with `end_ok`, by the end of a filter).
    fn keyword(&mut self, word: &str) -> bool {
        let end = self.at + word.len();
        let matches = self.s.get(self.at..end).is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()));
        if matches {
            self.at = end;
        }
        matches
    }

    fn path(&mut self) -> bool {
        if !self.attr_path() {
            return false;
        }
        if self.eat(b'[') {
            if !(self.filter(0) && self.eat(b']')) {
                return false;
            }
            if self.eat(b'.') {
                return self.attr_name();
            }
        }
        true
    }

    /// `[URI ":"] ATTRNAME ["." ATTRNAME]`. A URI is recognised by its `urn:` prefix; the
    /// attribute starts after its last colon.
    fn attr_path(&mut self) -> bool {
        if self.s.get(self.at..self.at + 4).is_some_and(|w| w.eq_ignore_ascii_case(b"urn:")) {
            let rest = &self.s[self.at..];
            let stop = rest.iter().position(|&b| matches!(b, b'[' | b' ' | b']')).unwrap_or(rest.len());
            let Some(colon) = rest[..stop].iter().rposition(|&b| b == b':') else {
                return false;
            };
            let uri = &rest[..colon];
            if uri.iter().any(|&b| b.is_ascii_control() || matches!(b, b'"' | b'(' | b')')) {
                return false;
            }
            // Extension URIs contain dots ("2.0"); the sub-attribute dot comes after the name.
            self.at += colon + 1;
        }
        if !self.attr_name() {
            return false;
        }
        if self.peek() == Some(b'.') && self.s.get(self.at + 1).is_some_and(u8::is_ascii_alphabetic) {
            self.at += 1;
            return self.attr_name();
        }
        true
    }

    fn attr_name(&mut self) -> bool {
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            return false;
        }
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$') {
            self.at += 1;
        }
        true
    }

    /// `valFilter`, with `and` binding tighter than `or` (precedence does not matter to a recognizer).
    fn filter(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH || !self.term(depth) {
            return false;
        }
        loop {
            let save = self.at;
            if self.eat(b' ') && (self.keyword("and") || self.keyword("or")) && self.eat(b' ') {
                if !self.term(depth) {
                    return false;
                }
            } else {
                self.at = save;
                return true;
            }
        }
    }

    fn term(&mut self, depth: usize) -> bool {
        let save = self.at;
        if self.keyword("not") {
            self.eat(b' ');
            if self.eat(b'(') {
                return self.filter(depth + 1) && self.eat(b')');
            }
            self.at = save; // an attribute whose name starts with "not"
        }
        if self.eat(b'(') {
            return self.filter(depth + 1) && self.eat(b')');
        }
        if !self.attr_path() || !self.eat(b' ') {
            return false;
        }
        if self.keyword("pr") {
            return !self.peek().is_some_and(|b| b.is_ascii_alphanumeric());
        }
        const OPERATORS: [&str; 9] = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"];
        OPERATORS.iter().any(|op| self.keyword(op)) && self.eat(b' ') && self.comp_value()
    }

    /// `false / null / true / number / string` (JSON forms).
    fn comp_value(&mut self) -> bool {
        if self.keyword("true") || self.keyword("false") || self.keyword("null") {
            return true;
        }
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b) if b == b'-' || b.is_ascii_digit() => self.number(),
            _ => false,
        }
    }

    fn string(&mut self) -> bool {
        self.at += 1;
        while let Some(b) = self.peek() {
            self.at += 1;
            match b {
                b'"' => return true,
                b'\\' => self.at += 1,
                _ => {}
            }
        }
        false
    }

    /// A JSON number (so `42.` and `.5` are not).
    fn number(&mut self) -> bool {
        let start = self.at;
        self.eat(b'-');
        while self.peek().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
            self.at += 1;
        }
        serde_json::from_slice::<serde_json::Value>(&self.s[start..self.at]).is_ok_and(|v| v.is_number())
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn accepts_the_rfc_examples() {
        for path in [
            "members",
            "name.familyName",
            "addresses[type eq \"work\"]",
            "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]",
            "members[value eq \"2819c223-7f76-453a-919d-413861904646\"].displayName",
            "emails[type eq \"work\" and value ew \"example.com\"]",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "emails[not (type eq \"home\")].value",
            "x509Certificates[value pr]",
            "emails[(type eq \"work\" or type eq \"home\") and primary eq true]",
            "meta.lastModified",
        ] {
            assert!(is_valid(path), "{path}");
        }
    }

    #[test]
    fn refuses_broken_paths() {
        for path in [
            "",
            "1abc",
            "emails[type eq work",
            "emails[type eq work]",
            "emails[type]",
            "emails[type eq \"work\"",
            "emails[]",
            "name.",
            "a b",
            "emails[type xx \"work\"]",
            "urn:no-attribute:",
            &format!("a[{}b pr{}]", "(".repeat(40), ")".repeat(40)),
        ] {
            assert!(!is_valid(path), "{path}");
        }
    }
}
