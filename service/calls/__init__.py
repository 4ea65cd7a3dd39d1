"""The call-log feed from the telephony system, missed-call callbacks, and call ↔ ticket links."""
