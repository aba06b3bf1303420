# The quickstart the demo applies: one Education customer and one GovernmentCommunityCloud
# customer whose validation code comes from the partner's codes.
terraform {
  required_providers {
    partnercenter = {
      source = "partnercenter-oss/partnercenter"
    }
  }
}

# Credentials and the API address come from PARTNERCENTER_* environment variables.
provider "partnercenter" {}

data "partnercenter_validation_codes" "all" {}

resource "partnercenter_customer_qualification" "school" {
  customer_id   = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  qualification = "Education"
}

resource "partnercenter_customer_qualification" "agency" {
  customer_id     = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11"
  qualification   = "GovernmentCommunityCloud"
  validation_code = data.partnercenter_validation_codes.all.codes[0].validation_id
}

output "school" {
  value = partnercenter_customer_qualification.school.qualification
}
