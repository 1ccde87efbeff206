// Runs in every integration test worker before the test file.
(process.env as Record<string, string>).NODE_ENV = "test";
process.env.AUTH_SECRET ??= "test-secret-test-secret-test-secret-0123456789";
process.env.LOG_LEVEL ??= "silent";
