use super::{id_type, text_enum};
use serde::{Deserialize, Serialize};

id_type!(ApplicationId, super::Entity::Application);

text_enum!(ApplicationStatus, "status" {
    Pending => "pending",
    UnderReview => "under_review",
    Approved => "approved",
    Rejected => "rejected",
});

text_enum!(ExperienceLevel, "experience" {
    Beginner => "beginner",
    Intermediate => "intermediate",
    Expert => "expert",
});

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Application {
    pub id: ApplicationId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub network_description: Option<String>,
    pub expected_referrals: Option<i64>,
    pub experience_level: Option<ExperienceLevel>,
    pub status: ApplicationStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// What a person fills in to apply.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewApplication {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub network_description: Option<String>,
    pub expected_referrals: Option<i64>,
    pub experience_level: Option<ExperienceLevel>,
}
