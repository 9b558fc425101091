"""The on-device language model: the bundled model files, their runtime, and a client for an
organisation's own OpenAI-compatible model server. Qt-free, and free of the interview: the
interviewer's brain and the evaluation both build on it."""
