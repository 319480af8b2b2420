#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vrrp_fuzz::keepalived_conf(data);
});
