data "partnercenter_validation_codes" "all" {}

# The list is sensitive (it holds the codes); derived values that are not secret can be shown.
output "codes_left" {
  value = nonsensitive([for code in data.partnercenter_validation_codes.all.codes : code.remaining_creates])
}
