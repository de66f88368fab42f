//! Records → the body of a target dialect. Whatever the target cannot carry is reported with
//! `field-no-equivalent`, never dropped silently.

use super::{jumpcloud as jc, object, oracle, scim};
use crate::checks::push_token;
use crate::diag::{Code, Diagnostic, Report};
use crate::options::{Format, Options};
use crate::records::{self, Action, Record, User};
use serde_json::{Map, Value};

/// A converted body, or `None` when the input had errors; with every finding either way.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Conversion {
    /// The whole body; `None` on errors, and when it was split into `chunks`.
    #[cfg_attr(feature = "typescript", tsify(type = "unknown"))]
    pub body: Option<Value>,
    pub report: Report,
    /// With an upstream's limits (see [`crate::conversion`]): the body as one request per
    /// upstream call, in the order to send them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", tsify(type = "unknown[]", optional))]
    pub chunks: Option<Vec<Value>>,
}

/// Validates `input` (in `options.format`, or detected) and converts it to `to`.
pub fn convert(input: &[u8], options: &Options, to: Format) -> Conversion {
    let options = Options { limits: None, ..options.clone() };
    // Parsed once, for the checks and the conversion; a body that does not parse gets the
    // validator's report of where and why.
    let Ok(value) = serde_json::from_slice::<Value>(input) else {
        return Conversion { body: None, report: crate::checks::validate(input, &options), chunks: None };
    };
    let report = crate::checks::validate_value(&value, &options);
    if !report.valid {
        return Conversion { body: None, report, chunks: None };
    }
    let from = options.format.resolve(&value);
    let mut out = report.diagnostics;
    let (mut records, skipped) = match from {
        Format::JumpcloudCreate | Format::JumpcloudUpdate => {
            (records::from_jumpcloud(&value, from == Format::JumpcloudCreate), Vec::new())
        }
        _ => records::from_scim(&value),
    };
    drop(value); // the records hold what is converted: keep one copy, not two, at the peak
    for skip in skipped {
        out.push(
            Diagnostic::new(Code::FieldNoEquivalent, format!("Not converted: {}; only users are converted.", skip.why))
                .at_pointer(skip.pointer),
        );
    }
    let written = write(&mut records, to, from.is_jumpcloud() == to.is_jumpcloud());
    out.extend(written.findings.into_iter().map(|f| match (f.record, f.target_rule) {
        (Some(record), true) => {
            let mut d = f.diagnostic;
            let field = f.field.unwrap_or_default();
            d.message = format!("In the converted user {} ({field}): {}", record + 1, d.message);
            d
        }
        _ => f.diagnostic,
    }));
    Conversion { body: Some(written.body), report: Report::new(records.len() as u64, out), chunks: None }
}

/// A target body and what writing it found.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub body: Value,
    pub findings: Vec<Finding>,
    /// For each element of the body (operation or user), the index of its record.
    pub emitted: Vec<usize>,
    /// Fields left out that the caller said it knows about (see [`write_some`]): (record, the
    /// index of the field and reason among those it named), instead of a finding each.
    pub known_left_out: Vec<(usize, usize)>,
}

/// A diagnostic about one record (its pointer is the record's), and the field it concerns: a
/// canonical key for fields the target cannot carry, the target's own name for its rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub record: Option<usize>,
    pub field: Option<String>,
    /// Found by the target's own rules on the written body (not by the writer).
    pub target_rule: bool,
    /// For a field left out, why (the part of the message after the field and the target).
    pub left_out_why: Option<&'static str>,
    pub diagnostic: Diagnostic,
}

/// Writes `records` as a `to` body and checks it against the target's own rules. `keep_extra`
/// carries fields of the source dialect that have no canonical home (same dialect family only).
/// Each record's user is moved into the body (not copied), so the records come back with empty
/// users; their index, pointer and action stay.
pub fn write(records: &mut [Record], to: Format, keep_extra: bool) -> Written {
    write_some(records, to, keep_extra, Subset::default(), &[])
}

/// The records [`write_some`] writes into the body, and those whose part of it the target's
/// rules walk (`None`: all; the rules only ever walk what is written).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Subset<'a> {
    pub(crate) written: Option<&'a [bool]>,
    pub(crate) walked: Option<&'a [bool]>,
}

/// [`write`], with the body holding only the records `subset.written` marks, and the target's
/// rules walking only those `subset.walked` marks: a caller leaves out records whose part of the
/// body the rules are known to pass (see `spreadsheet::quiet`), from the body when it wants only
/// findings, from the walk when it sends the body. What writing finds is reported for every
/// record either way, in the same order, except that a field left out for a reason in `known`
/// (field, [`Finding::left_out_why`]) is only noted in [`Written::known_left_out`]: a sheet
/// column the target has no field for is left out in every row alike, and the caller has its
/// finding already.
pub(crate) fn write_some(
    records: &mut [Record],
    to: Format,
    keep_extra: bool,
    subset: Subset<'_>,
    known: &[(String, &'static str)],
) -> Written {
    let only = subset.written;
    let mut findings = Vec::new();
    let mut writer = Writer {
        out: &mut findings,
        keep_extra,
        target: to,
        emitted: Vec::new(),
        only,
        known,
        known_left_out: Vec::new(),
    };
    let mut body = match to {
        Format::Scim | Format::Oracle | Format::Auto => writer.scim(records),
        Format::JumpcloudCreate | Format::JumpcloudUpdate => writer.jumpcloud(records),
    };
    let emitted = std::mem::take(&mut writer.emitted);
    let known_left_out = std::mem::take(&mut writer.known_left_out);
    // Nothing written is nothing to check (an empty body would be an error of its own).
    if only.is_none() || !emitted.is_empty() {
        match subset.walked {
            None => check_output(&body, to, records, &emitted, &mut findings),
            Some(walked) => check_some(&mut body, to, records, &emitted, walked, &mut findings),
        }
    }
    Written { body, findings, emitted, known_left_out }
}

/// Runs the target's own rules over the converted body (a valid SCIM userName can be an invalid
/// JumpCloud username) and points each finding back at the source record.
fn check_output(body: &Value, to: Format, records: &[Record], emitted: &[usize], out: &mut Vec<Finding>) {
    let target_report = crate::checks::validate_output(body, &Options { format: to, ..Options::default() });
    let prefix = if to.is_jumpcloud() { "/" } else { "/Operations/" };
    for mut d in target_report.diagnostics {
        let pointer = d.pointer.clone().unwrap_or_default();
        let rest = pointer.strip_prefix(prefix).unwrap_or("");
        let (position, inner) = rest.split_once('/').unwrap_or((rest, ""));
        let record = position.parse::<usize>().ok().and_then(|p| emitted.get(p)).and_then(|&r| records.get(r));
        let Some(record) = record else {
            out.push(Finding { record: None, field: None, target_rule: true, left_out_why: None, diagnostic: d });
            continue;
        };
        let field = inner.trim_start_matches("data/").replace('/', ".");
        d.pointer = Some(record.pointer.clone());
        let (record, field) = (Some(record.index), Some(field));
        out.push(Finding { record, field, target_rule: true, left_out_why: None, diagnostic: d });
    }
}

/// [`check_output`] over the elements of `body` whose records `walked` marks: they are moved into
/// a body of their own for the walk, and back.
fn check_some(
    body: &mut Value,
    to: Format,
    records: &[Record],
    emitted: &[usize],
    walked: &[bool],
    out: &mut Vec<Finding>,
) {
    let positions: Vec<usize> = (0..emitted.len()).filter(|&p| walked.get(emitted[p]) == Some(&true)).collect();
    let Some(elements) = super::elements_mut(body).filter(|_| !positions.is_empty()) else { return };
    let taken = positions.iter().map(|&p| elements.get_mut(p).map(std::mem::take).unwrap_or_default()).collect();
    let sub_emitted: Vec<usize> = positions.iter().map(|&p| emitted[p]).collect();
    let mut sub = super::body(to, taken);
    check_output(&sub, to, records, &sub_emitted, out);
    if let Some(taken) = super::elements_mut(&mut sub) {
        for (&p, element) in positions.iter().zip(taken.drain(..)) {
            if let Some(slot) = elements.get_mut(p) {
                *slot = element;
            }
        }
    }
}

/// The target has an endpoint for the record's action: JumpCloud creates and updates users through
/// two, so each takes one kind; a SCIM bulk request carries both.
pub(crate) fn carries(target: Format, action: &Action) -> bool {
    match target {
        Format::JumpcloudCreate => matches!(action, Action::Create { .. }),
        Format::JumpcloudUpdate => !matches!(action, Action::Create { .. }),
        Format::Scim | Format::Oracle | Format::Auto => true,
    }
}

/// Only the codes a conversion reports (used by the catalogue's examples).
pub fn convert_codes(input: &[u8], to: &str) -> Vec<Code> {
    let to = Format::parse(to).unwrap_or(Format::Scim);
    convert(input, &Options::default(), to).report.diagnostics.iter().map(|d| d.code).collect()
}

struct Writer<'a> {
    out: &'a mut Vec<Finding>,
    keep_extra: bool,
    target: Format,
    /// For each element of the output, the index of the record it came from.
    emitted: Vec<usize>,
    /// The records to write into the body (all for `None`); the others are only read for what
    /// writing them finds (the body's JSON is most of what checking a sheet allocates).
    only: Option<&'a [bool]>,
    /// Fields left out, and why, that the caller knows about: noted, not worded again.
    known: &'a [(String, &'static str)],
    known_left_out: Vec<(usize, usize)>,
}

impl Writer<'_> {
    /// Whether record `i` goes into the body.
    fn builds(&self, i: usize) -> bool {
        self.only.is_none_or(|only| only.get(i).copied().unwrap_or(false))
    }

    fn target_name(&self) -> &'static str {
        match self.target {
            Format::Oracle => "Oracle HCM",
            Format::JumpcloudCreate | Format::JumpcloudUpdate => "JumpCloud",
            _ => "SCIM",
        }
    }

    /// Reports that `field` of `record` cannot be carried.
    fn lost(&mut self, record: &Record, field: &str, why: &'static str) {
        if let Some(k) = self.known.iter().position(|(f, w)| f == field && *w == why) {
            self.known_left_out.push((record.index, k));
            return;
        }
        let message = format!("`{field}` has no {} equivalent{why}, so it is left out.", self.target_name());
        let diagnostic = Diagnostic::new(Code::FieldNoEquivalent, message)
            .at_pointer(push_token(&record.pointer, field))
            .at_field(field);
        self.out.push(Finding {
            record: Some(record.index),
            field: Some(field.to_owned()),
            target_rule: false,
            left_out_why: Some(why),
            diagnostic,
        });
    }

    /// An update sets each typed address as a whole (SCIM has no way to set a part of one the
    /// user may not have yet), so the parts it lacks are cleared: said, not done silently.
    fn partial_addresses(&mut self, record: &Record, user: &Map<String, Value>) {
        const PARTS: [(&str, &str); 5] = [
            ("streetAddress", "street"),
            ("locality", "city"),
            ("region", "region"),
            ("postalCode", "postal code"),
            ("country", "country"),
        ];
        for address in user.get("addresses").and_then(Value::as_array).into_iter().flatten() {
            let missing: Vec<&str> =
                PARTS.iter().filter(|(key, _)| address.get(key).is_none()).map(|(_, name)| *name).collect();
            if missing.is_empty() {
                continue;
            }
            let kind = address.get("type").and_then(Value::as_str).unwrap_or("typeless");
            let parts = match missing.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => missing.join(""),
            };
            let message = format!(
                "An update replaces the user's {kind} address as a whole, so its {parts} would be cleared. Give every part of the address, or leave the address out of the update."
            );
            let diagnostic = Diagnostic::new(Code::UpdateAddressReplaced, message)
                .at_pointer(push_token(&record.pointer, "addresses"))
                .at_field("addresses");
            let field = Some("addresses".to_owned());
            self.out.push(Finding {
                record: Some(record.index),
                field,
                target_rule: false,
                left_out_why: None,
                diagnostic,
            });
        }
    }

    fn lost_if<T>(&mut self, record: &Record, field: &str, value: &Option<T>) {
        if value.is_some() {
            self.lost(record, field, "");
        }
    }

    /// The source dialect's own fields, kept for a round trip to it; else each is reported as left
    /// out and none is kept.
    fn extras(&mut self, record: &Record, extra: Map<String, Value>) -> Map<String, Value> {
        if self.keep_extra {
            return extra;
        }
        for key in extra.keys() {
            self.lost(record, key, "");
        }
        Map::new()
    }

    // --- SCIM and Oracle ----------------------------------------------------------------------

    fn scim(&mut self, records: &mut [Record]) -> Value {
        let oracle = self.target == Format::Oracle;
        let mut operations = Vec::with_capacity(records.len());
        for (i, record) in records.iter_mut().enumerate() {
            let user = std::mem::take(&mut record.user);
            let record = &*record;
            let build = self.builds(i);
            let data = if oracle { self.oracle_user(record, user, build) } else { self.scim_user(record, user, build) };
            if !build {
                continue;
            }
            let operation = match &record.action {
                Action::Create { bulk_id } => {
                    let bulk_id = bulk_id.clone().unwrap_or_else(|| format!("user{}", record.index + 1));
                    object([
                        ("method", "POST".into()),
                        ("path", "/Users".into()),
                        ("bulkId", bulk_id.into()),
                        ("data", data),
                    ])
                }
                Action::Replace { id } => {
                    object([("method", "PUT".into()), ("path", format!("/Users/{id}").into()), ("data", data)])
                }
                Action::Update { id } if oracle => {
                    object([("method", "PATCH".into()), ("path", format!("/Users/{id}").into()), ("data", data)])
                }
                Action::Update { id } => {
                    // A partial update sets what the record holds and nothing else.
                    let mut user = match data {
                        Value::Object(user) => user,
                        _ => Map::new(),
                    };
                    user.remove("schemas");
                    self.partial_addresses(record, &user);
                    let patch = scim::PatchOp::setting(user);
                    // Serialising a PatchOp of JSON values cannot fail.
                    let patch = serde_json::to_value(patch).unwrap_or_default();
                    object([("method", "PATCH".into()), ("path", format!("/Users/{id}").into()), ("data", patch)])
                }
            };
            operations.push(operation);
            self.emitted.push(record.index);
        }
        super::body(self.target, operations)
    }

    fn scim_user(&mut self, record: &Record, u: User, build: bool) -> Value {
        self.lost_if(record, "location", &u.location);
        self.lost_if(record, "description", &u.description);
        if !u.attributes.is_empty() {
            self.lost(record, "attributes", " (custom attributes need a SCIM schema extension on the server)");
        }
        for a in &u.addresses {
            if a.po_box.is_some() || a.extended_address.is_some() {
                self.lost(record, "addresses.poBox", " (SCIM addresses have no PO box or extended line)");
            }
        }
        let extra = self.extras(record, u.extra);
        if !build {
            return Value::Null; // what a user left out of the body loses is all that is needed of it
        }
        let name = scim::Name {
            given_name: u.given_name,
            family_name: u.family_name,
            middle_name: u.middle_name,
            formatted: u.formatted_name,
            ..Default::default()
        };
        let enterprise = scim::EnterpriseUser {
            employee_number: u.employee_number,
            cost_center: u.cost_center,
            organization: u.organization,
            division: u.division,
            department: u.department,
            // RFC 7643 §4.3 requires `$ref` beside `value`; strict servers refuse a manager without it.
            manager: u.manager.map(|value| scim::Manager {
                reference: Some(format!("../Users/{value}")),
                value: Some(value),
                ..Default::default()
            }),
            extra: Map::new(),
        };
        let has_enterprise = enterprise != scim::EnterpriseUser::default();
        let mut schemas = vec![scim::USER_URN.to_owned()];
        if has_enterprise {
            schemas.push(scim::ENTERPRISE_USER_URN.to_owned());
        }
        let user = scim::User {
            schemas,
            external_id: u.external_id,
            user_name: u.user_name,
            name: (name != scim::Name::default()).then_some(name),
            display_name: u.display_name,
            nick_name: u.nick_name,
            title: u.title,
            user_type: u.user_type,
            preferred_language: u.preferred_language,
            locale: u.locale,
            timezone: u.timezone,
            active: u.active,
            password: u.password,
            emails: u
                .emails
                .into_iter()
                .map(|e| scim::MultiValued {
                    value: e.value,
                    kind: e.kind,
                    primary: e.primary.then_some(true),
                    extra: Map::new(),
                })
                .collect(),
            phone_numbers: u
                .phones
                .into_iter()
                .map(|p| scim::MultiValued { value: p.value, kind: p.kind, ..Default::default() })
                .collect(),
            addresses: u.addresses.into_iter().map(Self::scim_address).collect(),
            enterprise: has_enterprise.then_some(enterprise),
            extra,
            ..Default::default()
        };
        serde_json::to_value(&user).unwrap_or(Value::Null)
    }

    /// A SCIM address (its PO box and extended line are reported lost by the caller).
    fn scim_address(a: records::Address) -> scim::Address {
        scim::Address {
            kind: a.kind,
            formatted: a.formatted,
            street_address: a.street_address,
            locality: a.locality,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
            ..Default::default()
        }
    }

    fn oracle_user(&mut self, record: &Record, u: User, build: bool) -> Value {
        for (field, value) in [
            ("externalId", &u.external_id),
            ("name.middleName", &u.middle_name),
            ("name.formatted", &u.formatted_name),
            ("nickName", &u.nick_name),
            ("title", &u.title),
            ("userType", &u.user_type),
            ("preferredLanguage", &u.preferred_language),
            ("locale", &u.locale),
            ("timezone", &u.timezone),
            ("employeeNumber", &u.employee_number),
            ("costCenter", &u.cost_center),
            ("organization", &u.organization),
            ("division", &u.division),
            ("department", &u.department),
            ("manager", &u.manager),
            ("location", &u.location),
            ("description", &u.description),
        ] {
            self.lost_if(record, field, value);
        }
        for (field, empty) in [
            ("phoneNumbers", u.phones.is_empty()),
            ("addresses", u.addresses.is_empty()),
            ("attributes", u.attributes.is_empty()),
        ] {
            if !empty {
                self.lost(record, field, "");
            }
        }
        let mut emails = Vec::new();
        for (i, e) in u.emails.into_iter().enumerate() {
            let kind = match e.kind.as_deref() {
                Some("work") | None => Some(oracle::EMAIL_TYPE_WORK.to_owned()),
                Some(_) => {
                    self.lost(record, &format!("emails[{i}].type"), " (Oracle HCM documents only the work type W)");
                    None
                }
            };
            emails.push(oracle::Email { value: e.value, kind, primary: e.primary.then_some(true) });
        }
        let extra = self.extras(record, u.extra);
        if !build {
            return Value::Null; // what a user left out of the body loses is all that is needed of it
        }
        let name = oracle::Name { given_name: u.given_name, family_name: u.family_name, extra: Map::new() };
        let user = oracle::User {
            schemas: vec![oracle::USER_URN.to_owned()],
            user_name: u.user_name,
            name: (name != oracle::Name::default()).then_some(name),
            display_name: u.display_name,
            active: u.active,
            password: u.password,
            emails,
            extra,
        };
        serde_json::to_value(&user).unwrap_or(Value::Null)
    }

    // --- JumpCloud ----------------------------------------------------------------------------

    fn jumpcloud(&mut self, records: &mut [Record]) -> Value {
        let creating = self.target == Format::JumpcloudCreate;
        let mut users = Vec::with_capacity(records.len());
        for (i, record) in records.iter_mut().enumerate() {
            if !carries(self.target, &record.action) {
                // Worded alike for every user, so a sheet says it once for all its rows.
                let message = if creating {
                    "The user has an id, so it changes an existing user: convert it with --to jumpcloud-update. It is left out."
                } else {
                    "The user has no id, so it would be created: convert it with --to jumpcloud-create. It is left out."
                };
                let diagnostic = Diagnostic::new(Code::FieldNoEquivalent, message).at_pointer(record.pointer.clone());
                let (record, field) = (Some(record.index), Some("id".to_owned()));
                self.out.push(Finding { record, field, target_rule: false, left_out_why: None, diagnostic });
                continue;
            }
            let user = std::mem::take(&mut record.user);
            let record = &*record;
            let Some(fields) = self.jumpcloud_fields(record, user, creating, self.builds(i)) else { continue };
            let user = match &record.action {
                Action::Create { .. } => {
                    serde_json::to_value(jc::BulkUserCreate { user: fields, ..Default::default() })
                }
                Action::Replace { id } | Action::Update { id } => {
                    serde_json::to_value(jc::BulkUserUpdate { id: id.clone(), user: fields, ..Default::default() })
                }
            };
            users.push(user.unwrap_or(Value::Null));
            self.emitted.push(record.index);
        }
        Value::Array(users)
    }

    /// The user's JumpCloud fields, reporting what they cannot hold; none when not `build`.
    fn jumpcloud_fields(
        &mut self,
        record: &Record,
        mut u: User,
        creating: bool,
        build: bool,
    ) -> Option<jc::UserFields> {
        for (field, value) in [
            ("externalId", &u.external_id),
            ("name.formatted", &u.formatted_name),
            ("nickName", &u.nick_name),
            ("preferredLanguage", &u.preferred_language),
            ("locale", &u.locale),
            ("timezone", &u.timezone),
            ("division", &u.division),
        ] {
            self.lost_if(record, field, value);
        }
        let primary_at = u.emails.iter().position(|e| e.primary).or((!u.emails.is_empty()).then_some(0));
        let primary = primary_at.and_then(|i| u.emails.get(i));
        let alternate_at = u.emails.iter().position(|e| Some(e) != primary);
        let alternate = alternate_at.and_then(|i| u.emails.get(i));
        for (i, e) in u.emails.iter().enumerate() {
            if Some(e) != primary && Some(e) != alternate {
                self.lost(record, &format!("emails[{i}]"), " (JumpCloud keeps one email and one alternate)");
            }
        }
        let mut email_value =
            |at: Option<usize>| at.and_then(|i| u.emails.get_mut(i)).map(|e| std::mem::take(&mut e.value));
        let (email, alternate_email) = (email_value(primary_at), email_value(alternate_at));
        let manager = match u.manager {
            Some(m) if m.starts_with(scim::BULK_ID_PREFIX) => {
                self.lost(
                    record,
                    "manager",
                    " for a manager created in the same batch (JumpCloud needs the manager's id)",
                );
                None
            }
            other => other,
        };
        let staged = u.extra.get("state").and_then(Value::as_str) == Some("STAGED");
        let state = match u.active {
            _ if staged && creating => Some("STAGED".to_owned()),
            Some(true) => Some("ACTIVATED".to_owned()),
            Some(false) => Some("SUSPENDED".to_owned()),
            None => None,
        };
        let mut extra = self.extras(record, u.extra);
        extra.remove("state");
        if !build {
            return None; // what a user left out of the body loses is all that is needed of it
        }
        Some(jc::UserFields {
            username: u.user_name,
            email,
            alternate_email,
            firstname: u.given_name,
            lastname: u.family_name,
            middlename: u.middle_name,
            displayname: u.display_name,
            job_title: u.title,
            department: u.department,
            company: u.organization,
            cost_center: u.cost_center,
            employee_type: u.user_type,
            location: u.location,
            description: u.description,
            employee_identifier: u.employee_number,
            password: u.password,
            manager,
            state,
            phone_numbers: u
                .phones
                .into_iter()
                .map(|p| jc::PhoneNumber { kind: p.kind, number: p.value, extra: Map::new() })
                .collect(),
            addresses: u
                .addresses
                .into_iter()
                .map(|a| jc::Address {
                    kind: a.kind,
                    po_box: a.po_box,
                    extended_address: a.extended_address,
                    street_address: a.street_address,
                    locality: a.locality,
                    region: a.region,
                    postal_code: a.postal_code,
                    country: a.country,
                    extra: Map::new(),
                })
                .collect(),
            attributes: u.attributes.into_iter().map(|(name, value)| jc::Attribute { name, value }).collect(),
            extra,
            ..Default::default()
        })
    }
}
