"""The interviewer's brain: what to say at the end of the candidate's turn.

One small interface (``Brain.reply(turn)``), three implementations: ``ScriptedBrain`` (the
interview's own follow-ups, by answer length: the fallback), ``LocalBrain`` (the bundled
model, on this machine's CPU) and ``RemoteBrain`` (an organisation's OpenAI-compatible
server). The driver decides when to ask and checks every generated line with ``guard``.
"""
