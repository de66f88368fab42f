//! Duplicates within one batch: userName, email, externalId and employee number. Each finding
//! names both places, so the user can decide which one to fix.

use super::Ctx;
use crate::diag::Code;
use crate::payload::scim;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    UserName,
    Email,
    ExternalId,
    EmployeeId,
}

impl Key {
    pub(crate) const ALL: [Key; 4] = [Key::UserName, Key::Email, Key::ExternalId, Key::EmployeeId];

    fn code(self) -> Code {
        match self {
            Key::UserName => Code::DuplicateUserName,
            Key::Email => Code::DuplicateEmail,
            Key::ExternalId => Code::DuplicateExternalId,
            Key::EmployeeId => Code::DuplicateEmployeeId,
        }
    }

    /// The digest of a value's normalised form. userNames and emails compare case-insensitively
    /// (RFC 7643 §4.1, JumpCloud lowercases emails); userNames also after NFKC, so "ｊｄｏｅ" and
    /// "jdoe" collide as they would upstream.
    fn digest(self, raw: &str) -> Digest {
        let raw = crate::unicode::trim(raw);
        match self {
            Key::UserName | Key::Email if raw.is_ascii() => lowercase_digest(raw),
            Key::UserName | Key::Email => digest(&crate::unicode::nfkc(raw).to_lowercase()),
            Key::ExternalId | Key::EmployeeId => digest(raw),
        }
    }

    /// The digest a value is noted by; none for an empty value (never a duplicate).
    pub(crate) fn noted(self, raw: &str) -> Option<Digest> {
        if crate::unicode::trim(raw).is_empty() { None } else { Some(self.digest(raw)) }
    }

    /// The key a sheet column feeding `field` gives values of (see `records::sheet`: every
    /// `emails.*` column adds an email).
    pub(crate) fn of_field(field: &str) -> Option<Key> {
        match field {
            "userName" => Some(Key::UserName),
            "externalId" => Some(Key::ExternalId),
            "employeeNumber" => Some(Key::EmployeeId),
            _ if field.starts_with("emails.") => Some(Key::Email),
            _ => None,
        }
    }

    /// The canonical field the key is read from (see `records::columns`).
    fn canonical_field(self) -> &'static str {
        match self {
            Key::UserName => "userName",
            Key::Email => "emails.work",
            Key::ExternalId => "externalId",
            Key::EmployeeId => "employeeNumber",
        }
    }

    fn rule(self) -> &'static str {
        match self {
            Key::UserName => "userNames must be unique, ignoring case",
            Key::Email => "email addresses must be unique, ignoring case",
            Key::ExternalId => "externalIds must be unique",
            Key::EmployeeId => "employee numbers must be unique",
        }
    }
}

/// Where a value was seen: the record and, for lists (emails), the element. Two `u32`s, not two
/// `usize`s: a sheet of millions of rows keeps one per value checked (a stream of 10 million rows
/// keeps 30 million), and 4 billion records is beyond any payload muster reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    record: u32,
    slot: u32,
}

impl Place {
    pub(crate) fn new(record: usize, slot: usize) -> Place {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Place { record: narrow(record), slot: narrow(slot) }
    }

    fn record(self) -> usize {
        self.record as usize
    }
}

impl Key {
    /// The JSON Pointer and field name of a value at `place`, in the dialect's layout. Built only
    /// when a duplicate is reported.
    fn locate(self, place: Place, jumpcloud: bool) -> (String, String) {
        let (i, slot) = (place.record, place.slot);
        let (pointer, field) = match (jumpcloud, self) {
            (true, Key::UserName) => (format!("/{i}/username"), "username".to_owned()),
            (true, Key::Email) => (format!("/{i}/email"), "email".to_owned()),
            (true, Key::EmployeeId) => (format!("/{i}/employeeIdentifier"), "employeeIdentifier".to_owned()),
            (true, Key::ExternalId) => (format!("/{i}/externalId"), "externalId".to_owned()),
            (false, Key::UserName) => (format!("/Operations/{i}/data/userName"), "userName".to_owned()),
            (false, Key::Email) => {
                (format!("/Operations/{i}/data/emails/{slot}/value"), format!("emails[{slot}].value"))
            }
            (false, Key::ExternalId) => (format!("/Operations/{i}/data/externalId"), "externalId".to_owned()),
            (false, Key::EmployeeId) => (
                format!("/Operations/{i}/data/{}/employeeNumber", scim::ENTERPRISE_USER_URN),
                "employeeNumber".to_owned(),
            ),
        };
        (pointer, field)
    }
}

/// A 96-bit digest of a value's normalised form: a sheet of millions of rows keeps 12 bytes per
/// value instead of the text. Among the 100 million values of a 10 GB stream, two distinct ones
/// share a digest with a chance of about 10^-13. Three `u32`s rather than wider integers, whose
/// alignment would pad map entries holding a `u32`.
pub(crate) type Digest = [u32; 3];

pub(crate) fn digest(text: &str) -> Digest {
    digest_bytes(text.as_bytes())
}

/// `digest(&text.to_lowercase())`, without a lowercased copy for the usual value: ASCII with no
/// capitals (it is called for every username and email of a sheet).
pub(crate) fn lowercase_digest(text: &str) -> Digest {
    if !text.is_ascii() {
        return digest(&text.to_lowercase());
    }
    if !text.bytes().any(|b| b.is_ascii_uppercase()) {
        return digest_bytes(text.as_bytes());
    }
    let mut lower = [0u8; 64];
    match lower.get_mut(..text.len()) {
        Some(lower) => {
            lower.copy_from_slice(text.as_bytes());
            lower.make_ascii_lowercase();
            digest_bytes(lower)
        }
        None => digest_bytes(text.to_ascii_lowercase().as_bytes()),
    }
}

/// Two foldhash hashes of `bytes` under different seeds. The bytes go in whole (`write`), never
/// as numbers: foldhash gathers numbers in a 128-bit sponge, which wasm32 shifts through a library
/// call (a tenth of a sheet check in the npm package).
fn digest_bytes(bytes: &[u8]) -> Digest {
    use std::hash::{BuildHasher, Hasher};
    let hash = |seed| {
        let mut hasher = foldhash::quality::FixedState::with_seed(seed).build_hasher();
        hasher.write(bytes);
        hasher.finish()
    };
    let (a, b) = (hash(0x6d75_7374_6572_0001), hash(0x6d75_7374_6572_0002));
    [a as u32, (a >> 32) as u32, b as u32]
}

/// A map keyed by [`Digest`]s. A digest is a uniform hash already, so its first 64 bits are the
/// map's hash as they are, instead of being hashed again.
pub(crate) type DigestMap<V> = std::collections::HashMap<Digest, V, std::hash::BuildHasherDefault<DigestHasher>>;

#[derive(Default)]
pub(crate) struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// A digest's bytes (its length, given through `write_usize`, carries nothing).
    fn write(&mut self, bytes: &[u8]) {
        let mut first = [0u8; 8];
        for (to, from) in first.iter_mut().zip(bytes) {
            *to = *from;
        }
        self.0 ^= u64::from_le_bytes(first);
    }

    fn write_usize(&mut self, _: usize) {}
}

/// The first place each value of each key was seen: a [`Place`] in a payload, a row number in a
/// sheet (a stream of millions of rows keeps one entry per value, so the smaller the better).
#[derive(Debug)]
pub(crate) struct FirstSeen<P> {
    /// One map per key, so entries carry no key tag.
    first: [DigestMap<P>; 4],
}

impl<P> Default for FirstSeen<P> {
    fn default() -> Self {
        FirstSeen { first: Default::default() }
    }
}

impl<P: Copy> FirstSeen<P> {
    /// Notes `raw`, a value of `key`, at `at`; returns where it was seen first if it was seen
    /// before. Empty values are never noted.
    pub(crate) fn note(&mut self, key: Key, raw: &str, at: P) -> Option<P> {
        match self.first[key as usize].entry(key.noted(raw)?) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(at);
                None
            }
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        }
    }

    /// Values of `key` held.
    pub(crate) fn len(&self, key: Key) -> usize {
        self.first[key as usize].len()
    }

    /// Every value of `key` and where it was seen first, forgotten here.
    pub(crate) fn take(&mut self, key: Key) -> Vec<(Digest, P)> {
        std::mem::take(&mut self.first[key as usize]).into_iter().collect()
    }

    /// Makes room for `values` more values of `key` at once. A sheet held whole knows how many it
    /// will note: a map grown value by value moves every entry each time it doubles, and that
    /// was a third of noting them.
    pub(crate) fn reserve(&mut self, key: Key, values: usize) {
        self.first[key as usize].reserve(values);
    }
}

impl Key {
    /// What a spreadsheet user reads about a value in `row` seen first in `first`.
    pub(crate) fn row_duplicate(self, row: u32, first: u32) -> crate::diag::Diagnostic {
        crate::diag::Diagnostic::new(
            self.code(),
            format!("Row {row} repeats the value in row {first}; {}.", self.rule()),
        )
        .at_row(u64::from(row))
        .at_field(self.canonical_field())
    }
}

/// Batch duplicates of one payload, reported by JSON Pointer.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    first: FirstSeen<Place>,
    /// Notes nothing: for bodies muster wrote itself from records already checked for duplicates.
    off: bool,
}

impl Seen {
    /// A tracker for one payload; `off` when its duplicates were already looked for.
    pub(crate) fn new(off: bool) -> Seen {
        Seen { off, ..Seen::default() }
    }

    /// Notes `raw` at `place` and reports it if an earlier record had the same value. Empty
    /// values are never duplicates.
    pub(crate) fn note(&mut self, key: Key, raw: &str, place: Place, ctx: &mut Ctx<'_>) {
        if self.off {
            return;
        }
        let Some(first) = self.first.note(key, raw, place) else { return };
        if first.record == place.record {
            return; // the same record listing a value twice is not a batch duplicate
        }
        let jumpcloud = ctx.format.is_jumpcloud();
        let (pointer, field) = key.locate(place, jumpcloud);
        let (first_pointer, _) = key.locate(first, jumpcloud);
        let noun = if jumpcloud { "user" } else { "operation" };
        ctx.report(
            key.code(),
            &pointer,
            Some(&field),
            format!(
                "`{field}` in {noun} {} repeats the value of {noun} {} ({first_pointer}); {}.",
                place.record() + 1,
                first.record() + 1,
                key.rule()
            ),
        );
    }

    /// Notes the unique keys of a SCIM User (operation `index`).
    pub(super) fn record(&mut self, user: &Map<String, Value>, index: usize, ctx: &mut Ctx<'_>) {
        if self.off {
            return; // before the four lookups, not after
        }
        let at = |slot| Place::new(index, slot);
        if let Some(name) = user.get("userName").and_then(Value::as_str) {
            self.note(Key::UserName, name, at(0), ctx);
        }
        if let Some(id) = user.get("externalId").and_then(Value::as_str) {
            self.note(Key::ExternalId, id, at(0), ctx);
        }
        for (i, email) in user.get("emails").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(address) = email.get("value").and_then(Value::as_str) {
                self.note(Key::Email, address, at(i), ctx);
            }
        }
        let employee =
            user.get(scim::ENTERPRISE_USER_URN).and_then(|e| e.get("employeeNumber")).and_then(Value::as_str);
        if let Some(number) = employee {
            self.note(Key::EmployeeId, number, at(0), ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_digest_agrees_with_lowercasing_first() {
        let long = "X".repeat(200); // past the stack buffer
        for text in ["JDoe@Example.COM", "jdoe", "", "Zoë.Müller@example.com", long.as_str()] {
            assert_eq!(lowercase_digest(text), digest(&text.to_lowercase()), "{text}");
        }
        assert_ne!(lowercase_digest("jdoe"), lowercase_digest("jdoe2"));
    }

    #[test]
    fn the_length_counts() {
        assert_ne!(digest("ab"), digest("ab\0"));
        assert_ne!(digest(""), digest("\0"));
        assert_ne!(digest("user1@example.com"), digest("user1@example.co"));
    }

    #[test]
    fn digest_maps_find_what_they_hold() {
        let mut map: DigestMap<u32> = DigestMap::default();
        for i in 0..1000u32 {
            map.insert(digest(&format!("user{i}")), i);
        }
        assert_eq!(map.len(), 1000);
        assert_eq!(map.get(&digest("user737")), Some(&737));
        assert_eq!(map.get(&digest("user1000")), None);
    }
}
