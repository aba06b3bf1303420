//! DynamicValue decoding (msgpack and JSON) against the provider's schema types and types the input spells out.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    terraform_provider_partnercenter::fuzzing::dynamic_value(data);
});
