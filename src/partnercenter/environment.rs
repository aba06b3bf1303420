//! The Partner Centers a partner can belong to: each one's API root, sign-in authority and
//! token resource, which the `environment` setting chooses together.
//!
//! Sources: learn.microsoft.com/partner-center/developer/partner-center-rest-urls,
//! learn.microsoft.com/partner-center/developer/deprecate-azure-active-directory-graph-token and
//! learn.microsoft.com/entra/identity-platform/authentication-national-cloud.

use std::fmt;

use super::model::names;

/// The global Partner Center's REST API root; the US Government Partner Center shares it.
pub const DEFAULT_BASE_URL: &str = "https://api.partnercenter.microsoft.com";
/// The global Entra ID authority that issues Partner Center tokens.
pub const DEFAULT_AUTHORITY_URL: &str = "https://login.microsoftonline.com";
/// The audience (`resource` form field) of a token of the global Partner Center, and of the US
/// Government one.
pub const PARTNER_CENTER_RESOURCE: &str = "https://api.partnercenter.microsoft.com";

/// The Partner Center of 21Vianet, whose API root is also its tokens' audience.
const CHINA_API_ROOT: &str = "https://partner.partnercenterapi.microsoftonline.cn";

/// One Partner Center and the Entra ID cloud that signs partners in to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The global Partner Center.
    #[default]
    Public,
    /// Partner Center for Microsoft Cloud for US Government: the global API, the US Government
    /// sign-in.
    UsGovernment,
    /// Partner Center operated by 21Vianet.
    China,
}

names!(Environment {
    Public => "public",
    UsGovernment => "usgovernment",
    China => "china",
});

impl Environment {
    /// Microsoft's name for this Partner Center, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Self::Public => "the global Partner Center",
            Self::UsGovernment => "Partner Center for Microsoft Cloud for US Government",
            Self::China => "Partner Center operated by 21Vianet",
        }
    }

    /// The REST API root.
    pub fn api_root(self) -> &'static str {
        match self {
            Self::Public | Self::UsGovernment => DEFAULT_BASE_URL,
            Self::China => CHINA_API_ROOT,
        }
    }

    /// The Entra ID authority whose token endpoint is `{authority}/{tenant_id}/oauth2/token`.
    /// For 21Vianet, the one Microsoft's current documentation names (older pages say
    /// `https://login.chinacloudapi.cn`, which `authority_url` can still select).
    pub fn authority(self) -> &'static str {
        match self {
            Self::Public => DEFAULT_AUTHORITY_URL,
            Self::UsGovernment => "https://login.microsoftonline.us",
            Self::China => "https://login.partner.microsoftonline.cn",
        }
    }

    /// The `resource` a token request names to get a token of this Partner Center.
    pub fn token_resource(self) -> &'static str {
        match self {
            Self::Public | Self::UsGovernment => PARTNER_CENTER_RESOURCE,
            Self::China => CHINA_API_ROOT,
        }
    }

    /// Whether this Partner Center issues Government Community Cloud validation codes: only the
    /// US Government one documents `GET /v1/customers/all/validations`, yet it shares its API
    /// with the global one, so a partner there may be served too. 21Vianet has no Government
    /// Community Cloud.
    pub fn may_have_validation_codes(self) -> bool {
        self != Self::China
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_has_its_documented_endpoints() {
        let table: Vec<_> = Environment::ALL
            .into_iter()
            .map(|e| (e.as_str(), e.api_root(), e.authority(), e.token_resource()))
            .collect();
        assert_eq!(
            table,
            [
                (
                    "public",
                    "https://api.partnercenter.microsoft.com",
                    "https://login.microsoftonline.com",
                    "https://api.partnercenter.microsoft.com",
                ),
                (
                    "usgovernment",
                    "https://api.partnercenter.microsoft.com",
                    "https://login.microsoftonline.us",
                    "https://api.partnercenter.microsoft.com",
                ),
                (
                    "china",
                    "https://partner.partnercenterapi.microsoftonline.cn",
                    "https://login.partner.microsoftonline.cn",
                    "https://partner.partnercenterapi.microsoftonline.cn",
                ),
            ]
        );
    }

    #[test]
    fn names_read_in_any_case_and_nothing_else() {
        for environment in Environment::ALL {
            let name = environment.to_string();
            assert_eq!(name.parse(), Ok(environment));
            assert_eq!(
                format!(" {} ", name.to_uppercase()).parse(),
                Ok(environment)
            );
        }
        for other in [
            "",
            "global",
            "usgov",
            "us-government",
            "gcc",
            "azurechinacloud",
        ] {
            assert_eq!(other.parse::<Environment>(), Err(()), "{other}");
        }
        assert_eq!(Environment::default(), Environment::Public);
    }
}
