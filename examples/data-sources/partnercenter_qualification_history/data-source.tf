# The school's qualification changes of the last 90 days, the newest first.
data "partnercenter_qualification_history" "school" {
  customer_id = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  days        = 90
}

# Who made the newest one, when, and from what to what (null without a change).
output "school_last_change" {
  value = try(data.partnercenter_qualification_history.school.changes[0], null)
}

# Every customer's changes of the last 30 days (the default).
data "partnercenter_qualification_history" "all" {}

output "customers_changed" {
  value = distinct([for change in data.partnercenter_qualification_history.all.changes : change.customer_id])
}
