#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vrrp::fuzzing::auth_trailer(data);
});
