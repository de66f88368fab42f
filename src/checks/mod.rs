//! Stage 4: rules over parsed input. One file per family of rules; each returns its findings into
//! one [`Ctx`], so a single pass reports everything.

mod envelope;
mod jumpcloud;
mod limits;
mod patch;
mod patch_path;
mod pointer;
mod references;
mod resources;
#[cfg(feature = "spill")]
mod spill;
mod unique;

/// Without files (the wasm builds), nothing spills: no `Spill` can be made, so every branch that
/// would use one is left out of the build.
#[cfg(not(feature = "spill"))]
mod spill {
    use super::unique::{Digest, Key};
    use crate::diag::Diagnostic;

    pub enum Spill {}

    impl Spill {
        pub(crate) fn spilling(&self, _: Key) -> bool {
            match *self {}
        }
        pub(crate) fn full(&self, _: usize) -> bool {
            match *self {}
        }
        pub(crate) fn start(&mut self, _: Key, _: Vec<(Digest, u32)>) {
            match *self {}
        }
        pub(crate) fn gather(&mut self, _: Key, _: Digest, _: u32) {
            match *self {}
        }
        pub(crate) fn finish(&mut self, _: &mut Vec<Diagnostic>) -> std::io::Result<()> {
            match *self {}
        }
    }
}

pub(crate) use jumpcloud::{ATTRIBUTE_VALUE_MAX, USERNAME_WINDOWS_MAX, is_object_id, string_limit, username_problem};
#[doc(hidden)]
pub use patch_path::is_valid as is_valid_patch_path;
pub(crate) use pointer::{Ptr, push_token};
pub(crate) use resources::is_valid_email;
pub use spill::Spill;
#[cfg(feature = "spill")]
pub use spill::{IN_MEMORY_VALUES, SpillFiles};
pub(crate) use unique::{DigestMap, lowercase_digest};

use crate::diag::{Code, Diagnostic, Report, Summary};
use crate::options::{Format, Options};
use crate::records::view::{TextField, UserView};
use serde_json::Value;

/// Validates a payload given as raw bytes: every finding, in one pass.
pub fn validate(bytes: &[u8], options: &Options) -> Report {
    match parse(bytes) {
        Ok(value) => validate_parsed(&value, bytes.len(), options),
        Err(report) => report,
    }
}

/// Parses a payload for [`validate_parsed`]; `Err` is the report of where and why it is not JSON.
pub fn parse(bytes: &[u8]) -> Result<Value, Report> {
    serde_json::from_slice::<Value>(bytes).map_err(|err| {
        let message = format!(
            "The input is not valid JSON (line {}, column {}): {err}. Fix the syntax and try again.",
            err.line(),
            err.column()
        );
        Report::new(0, vec![Diagnostic::new(Code::JsonSyntax, message).at_pointer("")])
    })
}

/// [`validate`] for a payload already [`parse`]d from `size` bytes (a caller that keeps the parsed
/// value, or never frees it).
pub fn validate_parsed(value: &Value, size: usize, options: &Options) -> Report {
    listing(value, size, options, usize::MAX)
}

fn listing(value: &Value, size: usize, options: &Options, most: usize) -> Report {
    let mut ctx = Ctx::new(options, options.format.resolve(value));
    ctx.most = most;
    let rows = run(value, &mut ctx);
    limits::check_payload_size(size, &mut ctx);
    ctx.into_report(rows)
}

/// Validates an already-parsed payload. The payload-size limit is measured on its compact JSON
/// (written out only when there is such a limit).
pub fn validate_value(value: &Value, options: &Options) -> Report {
    validate_value_listing(value, options, usize::MAX)
}

/// [`validate_value`], its report listing only the first `most` findings and counting every one
/// (in its summary). Findings past those are not kept, so a caller with little memory (a Worker)
/// holds no more however many there are.
pub fn validate_value_listing(value: &Value, options: &Options, most: usize) -> Report {
    let limited = options.limits.as_ref().is_some_and(|l| l.max_payload_size.is_some());
    let size = if limited { serde_json::to_vec(value).map_or(0, |v| v.len()) } else { 0 };
    listing(value, size, options, most)
}

/// Runs the target's rules over a body muster wrote from records whose batch duplicates were
/// already reported (so they are not looked for twice).
pub(crate) fn validate_output(value: &Value, options: &Options) -> Report {
    let mut ctx = Ctx::new(options, options.format.resolve(value));
    ctx.output = true;
    let rows = run(value, &mut ctx);
    ctx.into_report(rows)
}

/// Validates a SCIM 2.0 bulk request (RFC 7644) with no upstream limits.
pub fn validate_scim_bulk(bytes: &[u8]) -> Report {
    validate(bytes, &Options { format: Format::Scim, ..Options::default() })
}

fn run(value: &Value, ctx: &mut Ctx<'_>) -> u64 {
    if ctx.format.is_jumpcloud() { jumpcloud::check(value, ctx) } else { envelope::check(value, ctx) }
}

/// What every rule needs: the dialect, the options, and where findings go.
pub(crate) struct Ctx<'a> {
    pub(crate) options: &'a Options,
    /// The dialect being checked (never `Auto`).
    pub(crate) format: Format,
    out: Vec<Diagnostic>,
    /// Checking a body muster wrote from records: batch duplicates were looked for already.
    pub(crate) output: bool,
    /// Findings kept in `out`; those after are only counted.
    most: usize,
    /// Every finding, kept or not.
    counted: Summary,
}

impl<'a> Ctx<'a> {
    fn new(options: &'a Options, format: Format) -> Self {
        Ctx { options, format, out: Vec::new(), output: false, most: usize::MAX, counted: Default::default() }
    }

    fn into_report(self, rows: u64) -> Report {
        Report::listing(Summary { rows, ..self.counted }, self.out)
    }

    /// Records a finding at `pointer`, naming `field` when there is one.
    pub(crate) fn report(
        &mut self,
        code: Code,
        pointer: &dyn std::fmt::Display,
        field: Option<&str>,
        message: impl Into<String>,
    ) {
        self.counted.count(code.severity());
        if self.out.len() >= self.most {
            return;
        }
        let mut d = Diagnostic::new(code, message).at_pointer(pointer.to_string());
        d.field = field.map(str::to_owned);
        self.out.push(d);
    }

    pub(crate) fn is_oracle(&self) -> bool {
        self.format == Format::Oracle
    }
}

/// A JSON type's name as a message shows it.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks that `object[key]`, when present, has the expected type; reports `type-mismatch` if not.
pub(crate) fn expect_type(
    ctx: &mut Ctx<'_>,
    object: &serde_json::Map<String, Value>,
    key: &str,
    pointer: &Ptr<'_>,
    expected: Expected,
) -> bool {
    object.get(key).is_none_or(|value| check_type(ctx, key, value, pointer, expected))
}

/// Checks that `value` (the member `key` of the object at `pointer`) has the expected type.
pub(crate) fn check_type(ctx: &mut Ctx<'_>, key: &str, value: &Value, pointer: &Ptr<'_>, expected: Expected) -> bool {
    let (ok, wanted) = match expected {
        Expected::Bool => (value.is_boolean(), "true or false"),
        Expected::String => (value.is_string(), "a string"),
        Expected::Object => (value.is_object(), "an object"),
        Expected::Array => (value.is_array(), "an array"),
    };
    if !ok {
        ctx.report(
            Code::TypeMismatch,
            &pointer.key(key),
            Some(key),
            format!("`{key}` must be {wanted}, not {}.", type_name(value)),
        );
    }
    ok
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Expected {
    Bool,
    String,
    Object,
    Array,
}

/// Batch duplicates among spreadsheet records (userName, emails, externalId, employee number),
/// reported by row. It remembers what it has seen, so records can arrive in parts.
#[derive(Default)]
pub(crate) struct RowDuplicates {
    /// The first row of each value (rows past 4 billion read as the last).
    first: unique::FirstSeen<u32>,
    /// Where values go past a budget (a stream of millions of rows); without it, all stay here.
    spill: Option<Spill>,
}

impl RowDuplicates {
    /// Makes room for `rows` rows whose columns feed `fields` (a sheet held whole).
    pub(crate) fn expect(&mut self, rows: usize, fields: &[Option<String>]) {
        use unique::Key;
        for key in Key::ALL {
            let columns = fields.iter().flatten().filter(|f| Key::of_field(f) == Some(key)).count();
            if columns > 0 {
                self.first.reserve(key, columns.saturating_mul(rows));
            }
        }
    }

    /// Keeps no more than a budget of each key's values in memory, spilling the rest.
    pub(crate) fn spill(&mut self, spill: Spill) {
        self.spill = Some(spill);
    }

    /// The duplicates only the end can tell: those among values spilled to disk.
    pub(crate) fn finish(&mut self, out: &mut Vec<Diagnostic>) -> std::io::Result<()> {
        self.spill.as_mut().map_or(Ok(()), |spill| spill.finish(out))
    }

    /// Notes `records` (`rows[i]` being record i's row) and returns the duplicates among them and
    /// everything noted before.
    pub(crate) fn note(&mut self, records: &[crate::records::Record], rows: &[u64]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (r, &row) in records.iter().zip(rows) {
            self.note_user(&r.user, row, &mut out);
        }
        out
    }

    /// Notes the user of `row` (after those of earlier rows), adding to `out` what it repeats.
    pub(crate) fn note_user(&mut self, u: &impl UserView, row: u64, out: &mut Vec<Diagnostic>) {
        use unique::Key;
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        let mut note = |key: Key, value: &str| {
            if let Some(spill) = self.spill.as_mut().filter(|s| s.spilling(key)) {
                if let Some(digest) = key.noted(value) {
                    spill.gather(key, digest, row);
                }
                return;
            }
            // The same row listing a value twice (two email columns) is no batch duplicate.
            if let Some(first) = self.first.note(key, value, row).filter(|&first| first != row) {
                out.push(key.row_duplicate(row, first));
            }
            if let Some(spill) = self.spill.as_mut().filter(|s| s.full(self.first.len(key))) {
                spill.start(key, self.first.take(key));
            }
        };
        if let Some(name) = u.user_name() {
            note(Key::UserName, name);
        }
        for email in u.emails() {
            note(Key::Email, email.value);
        }
        if let Some(id) = u.text(TextField::ExternalId) {
            note(Key::ExternalId, id);
        }
        if let Some(number) = u.text(TextField::EmployeeNumber) {
            note(Key::EmployeeId, number);
        }
    }
}
