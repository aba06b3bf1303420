# In a .tfquery.hcl file beside your configuration (Terraform 1.14+):
#   terraform query                                     lists the Education customers
#   terraform query -generate-config-out=generated.tf   writes a resource and an import block
#                                                       for each, which terraform plan imports
list "partnercenter_customer_qualification" "schools" {
  provider = partnercenter

  config {
    qualification = "Education"
  }
}
