"""The reference server that receives attempts: interviews, attempts, tus uploads, receipts,
the review page. Shares only the wire format with the app."""
