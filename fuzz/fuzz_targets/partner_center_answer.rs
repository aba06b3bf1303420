//! Partner Center's answers: the documented success bodies, error bodies and Retry-After values.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_partnercenter::fuzzing::partner_center_answer(data);
});
