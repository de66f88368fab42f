//! Stage 5: the bodies muster sends upstream, as serde types. Unknown fields survive a round trip.

pub mod convert;
pub mod jumpcloud;
pub mod oracle;
pub mod scim;
