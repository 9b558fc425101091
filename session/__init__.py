"""The interview itself: config, driver, clock, recorder, transcript, attempt store, upload
queue. Never Qt."""
