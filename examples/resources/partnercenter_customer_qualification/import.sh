# Import by customer id.
terraform import partnercenter_customer_qualification.school 0c39d6d5-c70d-4c55-bc02-f620844f3fd1
