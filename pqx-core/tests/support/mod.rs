pub mod packages;
pub mod rawzip;
