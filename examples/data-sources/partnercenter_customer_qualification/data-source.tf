data "partnercenter_customer_qualification" "school" {
  customer_id = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
}

output "school_qualification" {
  value = data.partnercenter_customer_qualification.school.qualification
}
