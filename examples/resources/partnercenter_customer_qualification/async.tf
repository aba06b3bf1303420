# Example Usage: the asynchronous contract
# With the asynchronous contract (POST / GET /qualifications), Partner Center vets Education and
# GovernmentCommunityCloud; StateOwnedEntity can be set too, beside the other.
provider "partnercenter" {
  qualification_api = "async"
}

resource "partnercenter_customer_qualification" "school" {
  customer_id       = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  qualification     = "Education"
  education_segment = "K12"
  website           = "https://school.example"
}

output "school_vetting" {
  value = partnercenter_customer_qualification.school.vetting_status
}

resource "partnercenter_customer_qualification" "state_owned" {
  customer_id   = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  qualification = "StateOwnedEntity"
}
