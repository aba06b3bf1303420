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
provider "partnercenter" {
  max_retries = 5
}
