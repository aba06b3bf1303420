terraform {
  required_providers {
    partnercenter = {
      source = "partnercenter-oss/partnercenter"
    }
  }
}

# Credentials usually come from the environment:
#   PARTNERCENTER_TENANT_ID, PARTNERCENTER_CLIENT_ID, PARTNERCENTER_CLIENT_SECRET and
#   PARTNERCENTER_REFRESH_TOKEN (App+User, needed to set qualifications),
#   or PARTNERCENTER_ACCESS_TOKEN.
# Behind a proxy, set HTTPS_PROXY (and NO_PROXY) as for Terraform itself.
provider "partnercenter" {
  environment = "public" # or "usgovernment", "china": the Partner Center of your account
  max_retries = 5
}
