//! The one catalogue of diagnostic codes. A code's id is stable: never reuse or rename one.
//! `docs/diagnostics.md` is generated from this table (`muster codes --markdown`) and a test
//! fails when the two drift apart.

use super::Severity;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $severity:ident, $summary:literal,
        example: $how:literal, $example:literal; )*) => {
        /// A stable diagnostic code. Serialises as its kebab-case id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable id, for example `bulk-operations-empty`.
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }

            /// The severity a diagnostic with this code gets unless a rule says otherwise.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line saying what the rule checks.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// A small input that triggers the code, and how: `validate FORMAT` (with the example
            /// limits of [`EXAMPLE_LIMITS`]) or `convert TARGET`.
            pub fn example(self) -> (&'static str, &'static str) {
                match self { $( Code::$variant => ($how, $example), )* }
            }

            /// The code with this id, if there is one.
            pub fn from_id(id: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.id() == id)
            }
        }
    };
}

/// The upstream limits the catalogue's `validate` examples run with: `maxOperations`, `maxPayloadSize`.
pub const EXAMPLE_LIMITS: (u64, u64) = (2, 512);

catalogue! {
    // --- Input as a whole ---------------------------------------------------------------------
    /// The input is not well-formed JSON.
    JsonSyntax = "json-syntax", Error,
        "The input must be well-formed JSON.",
        example: "validate auto", r#"{"Operations": ["#;

    // --- Files and sheets -----------------------------------------------------------------------
    /// The file is not valid UTF-8 and was read as Windows-1252.
    EncodingFallback = "encoding-fallback", Warning,
        "The file is not UTF-8; it was read as Windows-1252. Choose its encoding if text looks wrong.",
        example: "read csv", "Pr\\xE9nom,Nom\nRen\\xE9e,Dupont\n";
    /// No row of the file has any content.
    SheetEmpty = "sheet-empty", Error,
        "The file has no rows with content.",
        example: "read csv", "\n,,\n";
    /// Two columns share a header, so a mapping cannot tell them apart.
    SheetDuplicateHeader = "sheet-duplicate-header", Error,
        "Two columns have the same header (ignoring case).",
        example: "read csv", "Email,Name,email\na@example.com,A,b@example.com\n";
    /// A value sits in a column with no header; it would be lost.
    SheetExtraCells = "sheet-extra-cells", Error,
        "A row has a value past the last header.",
        example: "read csv", "Username,Email\njdoe,jdoe@example.com,oops\n";

    /// A workbook cell holds an Excel error such as #N/A.
    SheetCellError = "sheet-cell-error", Warning,
        "A cell holds an Excel error (#N/A, #REF!…) and is read as empty.",
        example: "read xlsx", "(a workbook whose cell holds =NA())";
    /// XLS and ODS cells are read without their number formats (calamine reads those of XLSX only).
    SheetNumberFormat = "sheet-number-format", Warning,
        "A number in an XLS or ODS workbook is read without its cell format: leading zeros it shows (000042) are lost.",
        example: "read xls", "(an Excel 97-2003 workbook holding a number)";
    /// No column feeds a field the target needs for every user.
    MapRequiredMissing = "map-required-missing", Error,
        "No column is mapped to a field the target requires (for example Username).",
        example: "read csv", "Given name,Surname\nJohn,Doe\n";
    /// A column feeds no field, so its values would not be sent.
    MapColumnUnmapped = "map-column-unmapped", Warning,
        "A column is not mapped to any field; its values are not sent.",
        example: "read csv", "Username,Email,Favourite colour\njdoe,jdoe@example.com,green\n";
    /// Every row was left out (each says why), so the target would get an empty body.
    SheetNothingToSend = "sheet-nothing-to-send", Error,
        "No row of the sheet can be sent to the chosen target (for example only updates for a create).",
        example: "read csv jumpcloud-create", "id,Username,Email\n5f0c1b2e3d4a5b6c7d8e9f01,jdoe,jdoe@example.com\n";
    /// A cell that must be true or false holds something else.
    CellBooleanInvalid = "cell-boolean-invalid", Error,
        "A yes/no cell must be one of true/false, yes/no, y/n, 1/0.",
        example: "read csv", "Username,Email,Active\njdoe,jdoe@example.com,maybe\n";
    /// A cell that must be a whole number holds something else.
    CellIntegerInvalid = "cell-integer-invalid", Error,
        "A number cell must hold a whole number.",
        example: "read csv", "Username,Email,unix_uid\njdoe,jdoe@example.com,12a\n";

    // --- SCIM bulk envelope (RFC 7644 §3.7) -----------------------------------------------------
    /// The top level of a bulk request must be a JSON object.
    BulkNotObject = "bulk-not-object", Error,
        "A SCIM bulk request must be a JSON object.",
        example: "validate scim", r#"[1, 2]"#;
    /// RFC 7644 §3.7: the request's `schemas` must name the BulkRequest message URN.
    BulkSchemasMissing = "bulk-schemas-missing", Error,
        "`schemas` must contain the BulkRequest URN of the dialect.",
        example: "validate scim", r#"{"Operations": [{"method": "DELETE", "path": "/Users/1"}]}"#;
    /// RFC 7644 §3.7: `Operations` is required and must hold at least one operation.
    BulkOperationsEmpty = "bulk-operations-empty", Error,
        "`Operations` must be a non-empty array.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}"#;
    /// RFC 7644 §3.7: `failOnErrors` is a positive integer; 0 and negatives mean different things to different servers.
    BulkFailOnErrorsInvalid = "bulk-fail-on-errors-invalid", Error,
        "`failOnErrors` must be a positive integer, or left out for no limit.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "failOnErrors": 0, "Operations": [{"method": "DELETE", "path": "/Users/1"}]}"#;
    /// RFC 7644 §3.7.4: more operations than the upstream's `bulk.maxOperations`.
    BulkTooManyOperations = "bulk-too-many-operations", Error,
        "The request has more operations than the upstream's maxOperations.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "DELETE", "path": "/Users/1"}, {"method": "DELETE", "path": "/Users/2"}, {"method": "DELETE", "path": "/Users/3"}]}"#;
    /// RFC 7644 §3.7.4: the body is larger than the upstream's `bulk.maxPayloadSize`.
    BulkPayloadTooLarge = "bulk-payload-too-large", Error,
        "The request is larger than the upstream's maxPayloadSize.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "bjensen", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": "bjensen@example.com", "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen III"}, "title": "Tour Guide", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}], "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US"}], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "costCenter": "4130", "department": "Tour Operations"}}}]}"#;
    /// The envelope uses Oracle HCM's URN but the request is validated as RFC 7644.
    BulkOracleUrn = "bulk-oracle-urn", Error,
        "Oracle HCM's BulkRequest URN in an RFC 7644 request.",
        example: "validate scim", r#"{"schemas": ["urn:scim:schemas:core:2.0:BulkRequest"], "Operations": [{"method": "DELETE", "path": "/Users/1"}]}"#;

    // --- Operations ---------------------------------------------------------------------------
    /// Each element of `Operations` must be an object.
    OpNotObject = "op-not-object", Error,
        "Each operation must be a JSON object.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ["DELETE /Users/1"]}"#;
    /// RFC 7644 §3.7: `method` is POST, PUT, PATCH or DELETE.
    OpMethodInvalid = "op-method-invalid", Error,
        "`method` must be one of POST, PUT, PATCH, DELETE.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "GET", "path": "/Users/1"}]}"#;
    /// RFC 7644 §3.7: `path` is required: a resource type for POST, one resource otherwise.
    OpPathInvalid = "op-path-invalid", Error,
        "`path` must be a resource type endpoint for POST (/Users) and one resource otherwise (/Users/{id}).",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "DELETE", "path": "/Users"}]}"#;
    /// RFC 7644 §3.7: `bulkId` is required when `method` is POST.
    OpBulkIdMissing = "op-bulk-id-missing", Error,
        "A POST operation needs a `bulkId`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}}]}"#;
    /// RFC 7644 §3.7: a `bulkId` is unique within the request.
    OpBulkIdDuplicate = "op-bulk-id-duplicate", Error,
        "Two operations use the same `bulkId`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A"}}, {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "B"}}]}"#;
    /// RFC 7643 §3.1: "bulkId" is a reserved keyword and never part of an `id`.
    OpIdReserved = "op-id-reserved", Error,
        "An `id` may not contain the reserved word bulkId, and clients do not assign ids on POST.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "id": "bulkId-1"}}]}"#;
    /// RFC 7644 §3.7: `data` is required for POST, PUT and PATCH.
    OpDataMissing = "op-data-missing", Error,
        "POST, PUT and PATCH operations need `data`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PUT", "path": "/Users/1"}]}"#;
    /// DELETE takes no body; servers ignore `data` there.
    OpDataIgnored = "op-data-ignored", Warning,
        "`data` on a DELETE operation is ignored.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "DELETE", "path": "/Users/1", "data": {}}]}"#;
    /// RFC 7644 §3.7: `version` (an ETag) applies to PUT, PATCH and DELETE only.
    OpVersionIgnored = "op-version-ignored", Warning,
        "`version` on a POST operation is ignored.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Groups", "bulkId": "g", "version": "W/\"1\"", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A"}}]}"#;

    // --- References (RFC 7644 §3.7.1, §3.7.2) ----------------------------------------------------
    /// A `bulkId:` reference names no POST operation of the request.
    RefUnknownBulkId = "ref-unknown-bulk-id", Error,
        "A `bulkId:` reference must name the bulkId of a POST in the same request.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A", "members": [{"value": "bulkId:nobody"}]}}]}"#;
    /// Resources that reference each other in a cycle; muster's planner creates them without the
    /// references first and adds them with a follow-up PATCH.
    RefCycle = "ref-cycle", Warning,
        "Operations reference each other in a cycle.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A", "members": [{"value": "bulkId:b"}]}}, {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "B", "members": [{"value": "bulkId:a"}]}}]}"#;

    // --- PATCH (RFC 7644 §3.5.2) ---------------------------------------------------------------
    /// PATCH `data` is a PatchOp message with its URN and a non-empty `Operations`.
    PatchNotPatchOp = "patch-not-patch-op", Error,
        "PATCH `data` must be a PatchOp message: the PatchOp URN and a non-empty `Operations` array.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PATCH", "path": "/Users/1", "data": {"active": false}}]}"#;
    /// `op` is add, remove or replace.
    PatchOpInvalid = "patch-op-invalid", Error,
        "A PATCH operation's `op` must be add, remove or replace.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PATCH", "path": "/Users/1", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "move", "path": "title"}]}}]}"#;
    /// remove needs `path`; add and replace need `value`.
    PatchMissingMember = "patch-missing-member", Error,
        "remove needs a `path`; add and replace need a `value`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PATCH", "path": "/Users/1", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove"}]}}]}"#;
    /// `path` follows the attrPath / valuePath grammar.
    PatchPathInvalid = "patch-path-invalid", Error,
        "A PATCH `path` must follow RFC 7644's grammar, for example emails[type eq \"work\"].value.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PATCH", "path": "/Users/1", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "emails[type eq work", "value": "x"}]}}]}"#;

    // --- Users and groups (RFC 7643 §4) ---------------------------------------------------------
    /// A resource's `schemas` names its core schema.
    ResourceSchemaMissing = "resource-schema-missing", Error,
        "A User or Group in `data` must list its core schema URN in `schemas`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"userName": "a"}}]}"#;
    /// The User uses Oracle HCM's URN, but the request is validated as RFC 7644.
    UserOracleUrn = "user-oracle-urn", Error,
        "Oracle HCM's User URN in an RFC 7643 request.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:scim:schemas:core:2.0:User"], "userName": "a"}}]}"#;
    /// The User uses the RFC URN, but the request is validated for Oracle HCM.
    UserRfcUrnInOracle = "user-rfc-urn-in-oracle", Error,
        "An RFC 7643 User URN in a request for Oracle HCM.",
        example: "validate oracle", r#"{"Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"}}]}"#;
    /// RFC 7643 §4.1: every User has a non-empty `userName`.
    UserNameMissing = "user-name-missing", Error,
        "A User needs a non-empty `userName`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": " "}}]}"#;
    /// An email address that is not valid RFC 5321/5322 syntax.
    EmailInvalid = "email-invalid", Error,
        "An email address must be valid, for example name@example.com.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "emails": [{"value": "a.example.com"}]}}]}"#;
    /// RFC 7643 §2.4: `"primary": true` appears at most once per attribute.
    EmailPrimaryMultiple = "email-primary-multiple", Error,
        "At most one email may be primary.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "emails": [{"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": true}]}}]}"#;
    /// Email type codes differ between RFC 7643 (work, home, other) and Oracle HCM (W).
    EmailTypeDialect = "email-type-dialect", Warning,
        "An email `type` from the other dialect: RFC 7643 uses work, home, other; Oracle HCM uses W.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "emails": [{"value": "a@example.com", "type": "W"}]}}]}"#;
    /// A field that must be a JSON boolean, integer, string, object or array has another type.
    TypeMismatch = "type-mismatch", Error,
        "A field has the wrong JSON type, for example `active` must be true or false.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "active": "yes"}}]}"#;
    /// RFC 7643 §4.2: a Group has a `displayName`.
    GroupDisplayNameMissing = "group-display-name-missing", Error,
        "A Group needs a non-empty `displayName`.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}}]}"#;
    /// RFC 7643 §4.3: the enterprise `manager` has `value` and `$ref`, both REQUIRED.
    ManagerRefMissing = "manager-ref-missing", Warning,
        "The enterprise `manager` needs `$ref` beside `value`; strict servers refuse it without.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "PUT", "path": "/Users/1", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "26118915"}}}}]}"#;
    /// Oracle HCM Roles PATCH: `members[{value, operation: ADD|REMOVE}]`.
    OracleRoleMembersInvalid = "oracle-role-members-invalid", Error,
        "An Oracle Roles PATCH needs `members`, each with a `value` and an `operation` of ADD or REMOVE.",
        example: "validate oracle", r#"{"Operations": [{"method": "PATCH", "path": "/Roles/300", "bulkId": "r", "data": {"members": [{"value": "AB12", "operation": "add"}]}}]}"#;

    // --- Duplicates within the batch -----------------------------------------------------------
    /// Two users share a userName (compared case-insensitively after Unicode NFKC normalisation).
    DuplicateUserName = "duplicate-user-name", Error,
        "Two users in the batch have the same userName (ignoring case and Unicode variants).",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "a@example.com"}, {"username": "JDoe", "email": "b@example.com"}]"#;
    /// Two users share an email address (compared case-insensitively).
    DuplicateEmail = "duplicate-email", Error,
        "Two users in the batch have the same email address.",
        example: "validate jumpcloud-create", r#"[{"username": "a", "email": "x@example.com"}, {"username": "b", "email": "X@example.com"}]"#;
    /// Two users share an externalId (compared exactly: RFC 7643 makes it case-exact).
    DuplicateExternalId = "duplicate-external-id", Error,
        "Two users in the batch have the same externalId.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "externalId": "7"}}, {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "b", "externalId": "7"}}]}"#;
    /// Two users share an employee number (SCIM enterprise `employeeNumber`, JumpCloud `employeeIdentifier`).
    DuplicateEmployeeId = "duplicate-employee-id", Error,
        "Two users in the batch have the same employee number.",
        example: "validate jumpcloud-create", r#"[{"username": "a", "email": "a@example.com", "employeeIdentifier": "007"}, {"username": "b", "email": "b@example.com", "employeeIdentifier": "007"}]"#;

    // --- JumpCloud bulk users -------------------------------------------------------------------
    /// A JumpCloud bulk body is a JSON array of user objects.
    JcNotArray = "jc-not-array", Error,
        "A JumpCloud bulk body must be a non-empty JSON array of user objects.",
        example: "validate jumpcloud-create", r#"{"username": "jdoe"}"#;
    /// JumpCloud needs `email` and `username` to create a user.
    JcRequiredMissing = "jc-required-missing", Error,
        "Creating a JumpCloud user needs `username` and `email`; updating one needs `id`.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe"}]"#;
    /// An update's `id` is a 24-hex-digit ObjectId.
    JcIdInvalid = "jc-id-invalid", Error,
        "`id` and `manager` must be 24-character hexadecimal ObjectIds.",
        example: "validate jumpcloud-update", r#"[{"id": "42", "firstname": "Jo"}]"#;
    /// Field length limits: 1024 characters, `employeeIdentifier` 256.
    JcTooLong = "jc-too-long", Error,
        "A field is longer than JumpCloud allows (1024 characters; employeeIdentifier 256).",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "employeeIdentifier": "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"}]"#;
    /// `state` is STAGED, ACTIVATED or SUSPENDED on create; ACTIVATED or SUSPENDED on update.
    JcStateInvalid = "jc-state-invalid", Error,
        "`state` must be STAGED, ACTIVATED or SUSPENDED (create) or ACTIVATED or SUSPENDED (update).",
        example: "validate jumpcloud-update", r#"[{"id": "5f0c1b2e3d4a5b6c7d8e9f01", "state": "STAGED"}]"#;
    /// `suspended` contradicts `state`.
    JcStateConflict = "jc-state-conflict", Error,
        "`suspended` and `state` contradict each other.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "state": "ACTIVATED", "suspended": true}]"#;
    /// Custom attribute names are letters and digits only, and each needs a value.
    JcAttributeInvalid = "jc-attribute-invalid", Error,
        "A custom attribute needs a name of letters and digits only and a non-empty value.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "attributes": [{"name": "cost center", "value": "7"}]}]"#;
    /// `unix_uid`, `unix_guid` and `mfa.exclusionDays` are integers of at least 1.
    JcNumberInvalid = "jc-number-invalid", Error,
        "`unix_uid`, `unix_guid` and `mfa.exclusionDays` must be whole numbers of at least 1.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "unix_uid": 0}]"#;
    /// Usernames start with a letter and contain no space or `@`.
    JcUsernameInvalid = "jc-username-invalid", Error,
        "A JumpCloud username must start with a letter and contain no spaces or @.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe@example.com", "email": "jdoe@example.com"}]"#;
    /// Usernames over 20 characters cannot log in to Windows devices.
    JcUsernameLong = "jc-username-long", Warning,
        "A username longer than 20 characters cannot be used on Windows devices.",
        example: "validate jumpcloud-create", r#"[{"username": "averyveryverylongusername", "email": "jdoe@example.com"}]"#;
    /// The password does not meet the organisation's password policy.
    JcPasswordPolicy = "jc-password-policy", Error,
        "The password does not meet the organisation's password policy.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "password": "short"}]"#;
    /// Read-only fields (`_id`, `created`, …) that JumpCloud ignores or rejects; muster strips them.
    JcReadOnlyField = "jc-read-only-field", Warning,
        "A read-only field that JumpCloud ignores or rejects; it is not sent.",
        example: "validate jumpcloud-create", r#"[{"username": "jdoe", "email": "jdoe@example.com", "_id": "5f0c1b2e3d4a5b6c7d8e9f01"}]"#;

    // --- Transforms -----------------------------------------------------------------------------
    /// The target dialect has no place for a field; it is left out and said so.
    FieldNoEquivalent = "field-no-equivalent", Warning,
        "The target has no equivalent for a field, so it is not sent. In a spreadsheet, a column left out in several rows is one finding for the column, naming its first rows.",
        example: "convert jumpcloud-create", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "nickName": "Al", "emails": [{"value": "a@example.com"}]}}]}"#;

    /// A SCIM update sets a typed address as a whole; the parts it lacks are cleared.
    UpdateAddressReplaced = "update-address-replaced", Warning,
        "A SCIM update replaces a typed address as a whole, so the parts it does not give are cleared.",
        example: "convert scim", r#"[{"id": "5f0c1b2e3d4a5b6c7d8e9f01", "addresses": [{"type": "work", "locality": "Boulder"}]}]"#;

    // --- Planning -------------------------------------------------------------------------------
    /// A single operation is larger than the upstream's maxPayloadSize on its own.
    PlanOperationTooLarge = "plan-operation-too-large", Error,
        "One operation alone is larger than the upstream's maxPayloadSize.",
        example: "validate scim", r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [{"method": "POST", "path": "/Users", "bulkId": "bjensen", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": "bjensen@example.com", "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen III"}, "title": "Tour Guide", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}], "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US"}], "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "costCenter": "4130", "department": "Tour Operations"}}}]}"#;
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Code::from_id(&id).ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {id}")))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The catalogue as Markdown: the committed `docs/diagnostics.md`.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\nGenerated by `muster codes --markdown` from `src/diag/code.rs`; do not edit by hand.\n\n",
    );
    for code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let (how, example) = code.example();
        let language = if how.starts_with("read") { "csv" } else { "json" };
        let how = match how.split_once(' ') {
            Some(("validate", format)) => format!("`muster validate --format {format}`"),
            Some(("convert", target)) => format!("`muster convert --to {target}`"),
            Some(("read", kind)) => match kind.split_once(' ') {
                Some((kind, target)) => format!("reading it as a .{kind} file for `--to {target}`"),
                None => format!("reading it as a .{kind} file"),
            },
            _ => how.to_owned(),
        };
        out.push_str(&format!(
            "## `{}` ({severity})\n\n{}\n\nExample ({how}):\n\n```{language}\n{}\n```\n\n",
            code.id(),
            code.summary(),
            example.trim_end(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.id()), "duplicate id {}", code.id());
            assert!(
                code.id().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                code.id()
            );
            assert_eq!(Code::from_id(code.id()), Some(*code));
        }
    }
}
