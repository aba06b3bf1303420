//! The provider block merged with the PARTNERCENTER_* environment.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_partnercenter::fuzzing::provider_configuration(data);
});
