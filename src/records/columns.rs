//! Header mapping: which column of a sheet feeds which field of the canonical user.
//!
//! A header is normalised (case, spaces, punctuation, diacritics), then matched exactly against a
//! field's key or label, then against its synonyms (the JumpCloud PowerShell CSV template, SCIM
//! attribute names and paths, common HR export headers), then fuzzily. Each proposal carries a
//! confidence and a reason. A mapping is a JSON [`Profile`] that can be saved and reused.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Below this similarity a fuzzy match is not proposed.
const FUZZY_THRESHOLD: f64 = 0.9;

/// The most confidence a column feeding `id` gets: below 0.9, the page asks to confirm it.
const ID_CONFIDENCE: f64 = 0.85;

/// A field a column can feed: a stable key, the label people know it by, and its synonyms.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub synonyms: &'static [&'static str],
}

/// Every field of the canonical user, plus JumpCloud-only settings (`jumpcloud.*`), which pass
/// through to JumpCloud and have no SCIM equivalent. Custom attribute pairs (`attributes.N.name`,
/// `attributes.N.value`) are matched by pattern, not listed.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "userName",
        label: "Username",
        synonyms: &[
            "user name",
            "login",
            "login name",
            "user id",
            "userid",
            "samaccountname",
            "sam account name",
            "upn",
            "user principal name",
            "account name",
        ],
    },
    // An existing user's id in the identity system: a row with one changes that user instead of
    // creating one (JumpCloud's update array, a SCIM PATCH).
    FieldSpec {
        key: "id",
        label: "User ID (to update)",
        synonyms: &["_id", "object id", "objectid", "jumpcloud id", "scim id", "system id"],
    },
    FieldSpec {
        key: "externalId",
        label: "External ID",
        synonyms: &["external id", "hr id", "source id", "immutable id"],
    },
    FieldSpec {
        key: "name.givenName",
        label: "First name",
        synonyms: &["firstname", "given name", "givenname", "forename", "first", "name.givenName", "vorname", "prénom"],
    },
    FieldSpec {
        key: "name.familyName",
        label: "Last name",
        synonyms: &["lastname", "surname", "family name", "familyname", "last", "name.familyName", "nachname", "nom"],
    },
    FieldSpec {
        key: "name.middleName",
        label: "Middle name",
        synonyms: &["middlename", "middle initial", "second name"],
    },
    FieldSpec {
        key: "displayName",
        label: "Display name",
        synonyms: &["preferredname", "preferred name", "full name", "displayname"],
    },
    FieldSpec { key: "nickName", label: "Nickname", synonyms: &["nick name", "known as"] },
    FieldSpec {
        key: "title",
        label: "Job title",
        synonyms: &["jobtitle", "title", "position", "designation", "role title"],
    },
    FieldSpec {
        key: "userType",
        label: "Employee type",
        synonyms: &["employeetype", "user type", "usertype", "worker type", "employment type"],
    },
    FieldSpec { key: "preferredLanguage", label: "Preferred language", synonyms: &["language"] },
    FieldSpec { key: "locale", label: "Locale", synonyms: &[] },
    FieldSpec { key: "timezone", label: "Time zone", synonyms: &["tz"] },
    FieldSpec { key: "active", label: "Active", synonyms: &["enabled", "is active", "account enabled"] },
    FieldSpec {
        key: "password",
        label: "Password",
        synonyms: &["initial password", "temporary password", "temp password"],
    },
    FieldSpec {
        key: "emails.work",
        label: "Email",
        synonyms: &[
            "e-mail",
            "email address",
            "work email",
            "company email",
            "business email",
            "mail",
            "emails[type eq \"work\"].value",
            "emails.value",
            "emails",
        ],
    },
    FieldSpec {
        key: "emails.other",
        label: "Alternate email",
        synonyms: &[
            "alternateemail",
            "alternate email",
            "secondary email",
            "personal email",
            "private email",
            "recoveryemail",
            "recovery email",
            "other email",
            "emails[type eq \"other\"].value",
        ],
    },
    FieldSpec { key: "emails.home", label: "Home email", synonyms: &["emails[type eq \"home\"].value"] },
    FieldSpec {
        key: "phones.mobile",
        label: "Mobile",
        synonyms: &[
            "mobile_number",
            "mobile number",
            "mobile phone",
            "cell",
            "cell phone",
            "phoneNumbers[type eq \"mobile\"].value",
        ],
    },
    FieldSpec {
        key: "phones.work",
        label: "Work phone",
        synonyms: &[
            "work_number",
            "work number",
            "phone",
            "telephone",
            "office phone",
            "business phone",
            "phoneNumbers[type eq \"work\"].value",
        ],
    },
    FieldSpec { key: "phones.home", label: "Home phone", synonyms: &["home_number", "home number"] },
    FieldSpec {
        key: "phones.work_mobile",
        label: "Work mobile",
        synonyms: &["work_mobile_number", "work mobile number"],
    },
    FieldSpec { key: "phones.work_fax", label: "Work fax", synonyms: &["work_fax_number", "fax"] },
    FieldSpec {
        key: "addresses.work.streetAddress",
        label: "Work street",
        synonyms: &["work_streetAddress", "street", "street address", "address"],
    },
    FieldSpec { key: "addresses.work.poBox", label: "Work PO box", synonyms: &["work_poBox", "po box"] },
    FieldSpec {
        key: "addresses.work.locality",
        label: "Work city",
        synonyms: &["work_city", "work_locality", "city", "town", "locality"],
    },
    FieldSpec {
        key: "addresses.work.region",
        label: "Work state",
        synonyms: &["work_state", "work_region", "state", "region", "province"],
    },
    FieldSpec {
        key: "addresses.work.postalCode",
        label: "Work postal code",
        synonyms: &["work_postalCode", "postal code", "postcode", "zip", "zip code"],
    },
    FieldSpec { key: "addresses.work.country", label: "Work country", synonyms: &["work_country", "country"] },
    FieldSpec {
        key: "addresses.home.streetAddress",
        label: "Home street",
        synonyms: &["home_streetAddress", "home address"],
    },
    FieldSpec { key: "addresses.home.poBox", label: "Home PO box", synonyms: &["home_poBox"] },
    FieldSpec { key: "addresses.home.locality", label: "Home city", synonyms: &["home_city", "home_locality"] },
    FieldSpec { key: "addresses.home.region", label: "Home state", synonyms: &["home_state", "home_region"] },
    FieldSpec {
        key: "addresses.home.postalCode",
        label: "Home postal code",
        synonyms: &["home_postalCode", "home zip"],
    },
    FieldSpec { key: "addresses.home.country", label: "Home country", synonyms: &["home_country"] },
    FieldSpec {
        key: "employeeNumber",
        label: "Employee ID",
        synonyms: &[
            "employeeidentifier",
            "employee identifier",
            "employee number",
            "employeenumber",
            "emp id",
            "staff id",
            "worker id",
            "personnel number",
            "badge number",
        ],
    },
    FieldSpec { key: "costCenter", label: "Cost center", synonyms: &["costcenter", "cost centre"] },
    FieldSpec { key: "organization", label: "Company", synonyms: &["organization", "organisation", "employer"] },
    FieldSpec { key: "division", label: "Division", synonyms: &["business unit"] },
    FieldSpec { key: "department", label: "Department", synonyms: &["dept", "team"] },
    FieldSpec {
        key: "manager",
        label: "Manager",
        synonyms: &["manager email", "manager username", "reports to", "supervisor", "line manager", "manager.value"],
    },
    FieldSpec { key: "location", label: "Location", synonyms: &["office", "site", "work location"] },
    FieldSpec { key: "description", label: "Description", synonyms: &["notes", "comment"] },
    FieldSpec { key: "jumpcloud.managedAppleId", label: "Managed Apple ID", synonyms: &["managedappleid"] },
    FieldSpec { key: "jumpcloud.unix_uid", label: "Unix UID", synonyms: &["unix_uid", "uid"] },
    FieldSpec { key: "jumpcloud.unix_guid", label: "Unix GID", synonyms: &["unix_guid", "gid"] },
    FieldSpec {
        key: "jumpcloud.EnrollmentDays",
        label: "MFA enrollment days",
        synonyms: &["enrollmentdays", "enrollment days"],
    },
    FieldSpec {
        key: "jumpcloud.enable_user_portal_multifactor",
        label: "User portal MFA",
        synonyms: &["enable_user_portal_multifactor"],
    },
    FieldSpec { key: "jumpcloud.ldap_binding_user", label: "LDAP binding user", synonyms: &["ldap_binding_user"] },
    FieldSpec { key: "jumpcloud.account_locked", label: "Account locked", synonyms: &["account_locked", "locked"] },
    FieldSpec { key: "jumpcloud.allow_public_key", label: "Allow public key", synonyms: &["allow_public_key"] },
    FieldSpec { key: "jumpcloud.enable_managed_uid", label: "Managed UID", synonyms: &["enable_managed_uid"] },
    FieldSpec { key: "jumpcloud.externally_managed", label: "Externally managed", synonyms: &["externally_managed"] },
    FieldSpec { key: "jumpcloud.external_dn", label: "External DN", synonyms: &["external_dn"] },
    FieldSpec {
        key: "jumpcloud.external_source_type",
        label: "External source type",
        synonyms: &["external_source_type"],
    },
    FieldSpec { key: "jumpcloud.passwordless_sudo", label: "Passwordless sudo", synonyms: &["passwordless_sudo"] },
    FieldSpec { key: "jumpcloud.sudo", label: "Sudo", synonyms: &["sudo", "admin rights"] },
    FieldSpec {
        key: "jumpcloud.password_never_expires",
        label: "Password never expires",
        synonyms: &["password_never_expires"],
    },
    FieldSpec { key: "jumpcloud.state", label: "State", synonyms: &["account state", "user state"] },
];

/// How a proposal was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub enum Match {
    /// The header is the field's key or label.
    Exact,
    /// The header is one of the field's synonyms.
    Synonym,
    /// The header is close to the field's key, label or a synonym.
    Fuzzy,
    /// A `AttributeN_name` / `AttributeN_value` column (JumpCloud's template).
    Attribute,
    /// Taken from a saved profile.
    Profile,
    /// No field fits, or the field is already fed by another column.
    Unmapped,
}

/// What muster proposes for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Proposal {
    /// 0-based column index; `column_letter` shows it as Excel does.
    pub column: usize,
    pub header: String,
    pub field: Option<String>,
    /// 0 to 1.
    pub confidence: f64,
    #[serde(rename = "match")]
    pub matched: Match,
    /// In words, for people: what matched, or why nothing did.
    pub reason: String,
}

/// A saved mapping: header (as written) → field key, or `null` to leave the column out.
/// Unmapped columns can be passed through as custom attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
pub struct Profile {
    #[cfg_attr(feature = "typescript", tsify(type = "Record<string, string | null>"))]
    pub columns: BTreeMap<String, Option<String>>,
    /// Send columns that map to no field as custom attributes (JumpCloud `attributes`).
    pub pass_through_unmapped: bool,
}

/// Lower case, no diacritics, letters and digits only: "E-Mail Address" → "emailaddress",
/// "Prénom" → "prenom" (NFD splits off the accent, which is neither a letter nor a digit).
pub fn normalise(header: &str) -> String {
    crate::unicode::nfd(header).chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The field a key names, if it is one (attribute pairs included).
pub fn is_field(key: &str) -> bool {
    FIELDS.iter().any(|f| f.key == key) || attribute_slot(key).is_some()
}

/// `attributes.N.name` / `attributes.N.value` → (N, is_name).
pub fn attribute_slot(key: &str) -> Option<(u32, bool)> {
    let rest = key.strip_prefix("attributes.")?;
    let (n, part) = rest.split_once('.')?;
    let n = n.parse().ok()?;
    match part {
        "name" => Some((n, true)),
        "value" => Some((n, false)),
        _ => None,
    }
}

/// JumpCloud's `Attribute3_name` / `Attribute3_value` headers.
fn attribute_header(normalised: &str) -> Option<String> {
    let rest = normalised.strip_prefix("attribute")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let part = &rest[digits.len()..];
    let n: u32 = digits.parse().ok()?;
    match part {
        "name" => Some(format!("attributes.{n}.name")),
        "value" => Some(format!("attributes.{n}.value")),
        _ => None,
    }
}

/// The best field for one header, with how it matched. A column feeding `id` turns its rows
/// into updates, so the reason says so, and its confidence stays below what lets the page skip
/// the mapping step: an HR export's own "ID" column must not pass unconfirmed.
fn best_match(header: &str) -> Option<(String, f64, Match, String)> {
    let (key, mut confidence, matched, mut reason) = match_field(header)?;
    if key == "id" {
        reason.push_str(": each row with a value updates that existing user instead of creating one");
        confidence = confidence.min(ID_CONFIDENCE);
    }
    Some((key, confidence, matched, reason))
}

fn match_field(header: &str) -> Option<(String, f64, Match, String)> {
    let norm = normalise(header);
    if norm.is_empty() {
        return None;
    }
    if let Some(key) = attribute_header(&norm) {
        return Some((key, 1.0, Match::Attribute, "a custom attribute column of JumpCloud's CSV template".to_owned()));
    }
    for field in FIELDS {
        let named = if normalise(field.label) == norm {
            field.label
        } else if normalise(field.key) == norm {
            field.key
        } else {
            continue;
        };
        return Some((field.key.to_owned(), 1.0, Match::Exact, format!("the header is \"{named}\"")));
    }
    for field in FIELDS {
        if let Some(synonym) = field.synonyms.iter().find(|s| normalise(s) == norm) {
            return Some((
                field.key.to_owned(),
                0.95,
                Match::Synonym,
                format!("\"{synonym}\" is a usual name for {}", field.label),
            ));
        }
    }
    let mut best: Option<(f64, &FieldSpec, &str)> = None;
    for field in FIELDS {
        for candidate in [field.key, field.label].iter().chain(field.synonyms) {
            let similarity = strsim::jaro_winkler(&norm, &normalise(candidate));
            if similarity >= FUZZY_THRESHOLD && best.is_none_or(|(b, _, _)| similarity > b) {
                best = Some((similarity, field, candidate));
            }
        }
    }
    best.map(|(similarity, field, candidate)| {
        let reason =
            format!("close to \"{candidate}\" ({:.0} % alike): check it is {}", similarity * 100.0, field.label);
        (field.key.to_owned(), (similarity * 0.9 * 100.0).round() / 100.0, Match::Fuzzy, reason)
    })
}

/// Proposes a field for every header. A saved `profile` decides for the headers it knows. Each
/// field is fed by one column at most: the most confident one wins, the others are unmapped and
/// say why.
pub fn propose(headers: &[String], profile: Option<&Profile>) -> Vec<Proposal> {
    let mut proposals: Vec<Proposal> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            let saved = profile.and_then(|p| p.columns.get(header));
            let (field, confidence, matched, reason) = match saved {
                Some(Some(key)) if is_field(key) => {
                    (Some(key.clone()), 1.0, Match::Profile, "from the saved mapping".to_owned())
                }
                Some(_) => (None, 1.0, Match::Profile, "left out by the saved mapping".to_owned()),
                None => match best_match(header) {
                    Some((key, confidence, matched, reason)) => (Some(key), confidence, matched, reason),
                    None => (None, 0.0, Match::Unmapped, "no field has a name like this".to_owned()),
                },
            };
            Proposal { column, header: header.clone(), field, confidence, matched, reason }
        })
        .collect();

    let mut order: Vec<usize> = (0..proposals.len()).collect();
    order.sort_by(|&a, &b| proposals[b].confidence.total_cmp(&proposals[a].confidence).then(a.cmp(&b)));
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for i in order {
        let Some(field) = proposals[i].field.clone() else { continue };
        match taken.get(&field) {
            Some(&winner) => {
                let winner_letter = crate::sheet::column_letter(winner);
                let p = &mut proposals[i];
                p.reason = format!(
                    "also looks like {field}, which column {winner_letter} (\"{}\") already feeds",
                    headers[winner]
                );
                p.field = None;
                p.matched = Match::Unmapped;
                p.confidence = 0.0;
            }
            None => {
                taken.insert(field, i);
            }
        }
    }
    proposals
}

/// The proposals as a profile to save.
pub fn to_profile(proposals: &[Proposal], pass_through_unmapped: bool) -> Profile {
    Profile { columns: proposals.iter().map(|p| (p.header.clone(), p.field.clone())).collect(), pass_through_unmapped }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(headers: &[&str]) -> Vec<Option<String>> {
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        propose(&headers, None).into_iter().map(|p| p.field).collect()
    }

    fn one(header: &str) -> Proposal {
        propose(&[header.to_owned()], None).remove(0)
    }

    #[test]
    fn normalises_case_spaces_punctuation_and_diacritics() {
        assert_eq!(normalise("E-Mail Address"), "emailaddress");
        assert_eq!(normalise("  Prénom_ "), "prenom");
        assert_eq!(normalise("emails[type eq \"work\"].value"), "emailstypeeqworkvalue");
    }

    #[test]
    fn maps_the_jumpcloud_powershell_template() {
        let template = [
            "Username",
            "FirstName",
            "LastName",
            "Password",
            "Email",
            "alternateEmail",
            "manager",
            "middlename",
            "preferredName",
            "jobTitle",
            "employeeIdentifier",
            "department",
            "costCenter",
            "company",
            "employeeType",
            "description",
            "location",
            "home_streetAddress",
            "home_city",
            "home_state",
            "home_postalCode",
            "home_poBox",
            "home_country",
            "work_streetAddress",
            "work_poBox",
            "work_city",
            "work_state",
            "work_postalCode",
            "work_country",
            "mobile_number",
            "home_number",
            "work_number",
            "work_mobile_number",
            "work_fax_number",
            "unix_guid",
            "unix_uid",
            "enable_user_portal_multifactor",
            "EnrollmentDays",
            "ldap_binding_user",
            "account_locked",
            "allow_public_key",
            "enable_managed_uid",
            "externally_managed",
            "external_dn",
            "external_source_type",
            "passwordless_sudo",
            "sudo",
            "password_never_expires",
            "Attribute1_name",
            "Attribute1_value",
            "Attribute10_name",
            "Attribute10_value",
        ];
        let mapped = fields(&template);
        let missing: Vec<&str> = template.iter().zip(&mapped).filter(|(_, f)| f.is_none()).map(|(h, _)| *h).collect();
        assert!(missing.is_empty(), "unmapped template headers: {missing:?}");
        assert_eq!(mapped[1].as_deref(), Some("name.givenName"));
        assert_eq!(mapped[8].as_deref(), Some("displayName"));
        assert_eq!(mapped[49].as_deref(), Some("attributes.1.value"));
        assert_eq!(mapped[50].as_deref(), Some("attributes.10.name"));
    }

    #[test]
    fn maps_scim_paths_and_hr_exports() {
        let mapped = fields(&[
            "userName",
            "name.givenName",
            "emails[type eq \"work\"].value",
            "employeeNumber",
            "manager",
            "Given name",
            "Surname",
            "Employee ID",
            "Mobile",
            "Job Title",
        ]);
        let expect = [
            "userName",
            "name.givenName",
            "emails.work",
            "employeeNumber",
            "manager",
            "name.givenName",
            "name.familyName",
            "employeeNumber",
            "phones.mobile",
            "title",
        ];
        // Each field is fed once: the later duplicates of givenName and employeeNumber lose.
        assert_eq!(mapped[0..5].iter().map(|f| f.as_deref().unwrap_or("-")).collect::<Vec<_>>(), expect[0..5]);
        assert_eq!(
            (mapped[5].as_deref(), mapped[6].as_deref(), mapped[7].as_deref()),
            (None, Some("name.familyName"), None)
        );
        assert_eq!((mapped[8].as_deref(), mapped[9].as_deref()), (Some("phones.mobile"), Some("title")));
        // SCIM's "other" email type, by path or by name, is the alternate email.
        for header in ["emails[type eq \"other\"].value", "Other email", "Home email"] {
            let want = if header.starts_with("Home") { "emails.home" } else { "emails.other" };
            assert_eq!(fields(&[header])[0].as_deref(), Some(want), "{header}");
        }
    }

    #[test]
    fn every_proposal_says_how_sure_and_why() {
        let exact = one("Email");
        assert_eq!((exact.matched, exact.confidence), (Match::Exact, 1.0));
        assert_eq!(one("E-mail").matched, Match::Exact, "punctuation does not matter");
        let synonym = one("Surname");
        assert_eq!((synonym.matched, synonym.field.as_deref()), (Match::Synonym, Some("name.familyName")));
        let fuzzy = one("Departmnet");
        assert_eq!((fuzzy.matched, fuzzy.field.as_deref()), (Match::Fuzzy, Some("department")));
        assert!(fuzzy.confidence < 0.9 && fuzzy.reason.contains("alike"), "{fuzzy:?}");
        let none = one("Favourite colour");
        assert_eq!((none.matched, none.field), (Match::Unmapped, None));
        let taken = propose(&["Email".to_owned(), "Mail".to_owned()], None);
        assert!(taken[1].reason.contains("column A (\"Email\") already feeds"), "{:?}", taken[1]);
    }

    #[test]
    fn a_saved_profile_decides_for_the_headers_it_knows_and_round_trips() {
        let headers = vec!["Mail".to_owned(), "Badge".to_owned(), "Dept".to_owned()];
        let mut profile = to_profile(&propose(&headers, None), true);
        profile.columns.insert("Badge".to_owned(), Some("employeeNumber".to_owned()));
        profile.columns.insert("Dept".to_owned(), None);
        let json = serde_json::to_string(&profile).unwrap_or_default();
        let profile: Profile = serde_json::from_str(&json).unwrap_or_default();
        let proposals = propose(&headers, Some(&profile));
        assert_eq!(proposals[1].field.as_deref(), Some("employeeNumber"));
        assert_eq!((proposals[2].field.as_deref(), proposals[2].matched), (None, Match::Profile));
        assert!(profile.pass_through_unmapped);
    }
}
