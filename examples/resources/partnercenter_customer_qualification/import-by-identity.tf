# Import by identity (Terraform 1.12+): an import block that names the customer.
import {
  to = partnercenter_customer_qualification.school
  identity = {
    customer_id = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  }
}

resource "partnercenter_customer_qualification" "school" {
  customer_id   = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  qualification = "Education"
}
