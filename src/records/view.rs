//! A user as the sheet's checks read it, borrowed: from a [`User`], or straight from a row's cells
//! (`spreadsheet::lean`), so the rules for a row are written once for both.

use super::User;

/// One email of a user, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EmailRef<'a> {
    pub(crate) value: &'a str,
    pub(crate) kind: Option<&'a str>,
    pub(crate) primary: bool,
}

/// A text field of a user that the sheet's checks read by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    ExternalId,
    GivenName,
    FamilyName,
    MiddleName,
    DisplayName,
    Title,
    Department,
    Organization,
    CostCenter,
    UserType,
    Location,
    Description,
    EmployeeNumber,
}

impl TextField {
    /// The field a sheet column with this canonical key feeds (see `records::columns`).
    pub(crate) fn of_key(key: &str) -> Option<TextField> {
        Some(match key {
            "externalId" => TextField::ExternalId,
            "name.givenName" => TextField::GivenName,
            "name.familyName" => TextField::FamilyName,
            "name.middleName" => TextField::MiddleName,
            "displayName" => TextField::DisplayName,
            "title" => TextField::Title,
            "department" => TextField::Department,
            "organization" => TextField::Organization,
            "costCenter" => TextField::CostCenter,
            "userType" => TextField::UserType,
            "location" => TextField::Location,
            "description" => TextField::Description,
            "employeeNumber" => TextField::EmployeeNumber,
            _ => return None,
        })
    }
}

/// What the sheet's checks read of a user (a sheet's values are trimmed, and never empty).
pub(crate) trait UserView {
    fn user_name(&self) -> Option<&str>;
    /// Every email, in the order the record lists them.
    fn emails(&self) -> impl Iterator<Item = EmailRef<'_>>;
    fn text(&self, field: TextField) -> Option<&str>;
}

impl UserView for User {
    fn user_name(&self) -> Option<&str> {
        self.user_name.as_deref()
    }

    fn emails(&self) -> impl Iterator<Item = EmailRef<'_>> {
        self.emails.iter().map(|e| EmailRef { value: &e.value, kind: e.kind.as_deref(), primary: e.primary })
    }

    fn text(&self, field: TextField) -> Option<&str> {
        match field {
            TextField::ExternalId => &self.external_id,
            TextField::GivenName => &self.given_name,
            TextField::FamilyName => &self.family_name,
            TextField::MiddleName => &self.middle_name,
            TextField::DisplayName => &self.display_name,
            TextField::Title => &self.title,
            TextField::Department => &self.department,
            TextField::Organization => &self.organization,
            TextField::CostCenter => &self.cost_center,
            TextField::UserType => &self.user_type,
            TextField::Location => &self.location,
            TextField::Description => &self.description,
            TextField::EmployeeNumber => &self.employee_number,
        }
        .as_deref()
    }
}
