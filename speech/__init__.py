"""Streaming captions (faster-whisper), voice activity and turn-taking, the interviewer's
voice (Piper). Pure classes driven by the caller; never Qt."""
