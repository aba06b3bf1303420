# Example Usage: a write-only validation code
# Terraform 1.11 and later: the validation code is sent to Partner Center but never stored in
# the plan or the state. Change validation_code_wo_version to send a new code.
data "partnercenter_validation_codes" "all" {}

resource "partnercenter_customer_qualification" "agency" {
  customer_id                = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11"
  qualification              = "GovernmentCommunityCloud"
  validation_code_wo         = data.partnercenter_validation_codes.all.codes[0].validation_id
  validation_code_wo_version = 1
}
