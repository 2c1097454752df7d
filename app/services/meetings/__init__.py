"""Meetings: the study-day rule, invitees, check-in, leave, make-up, reminders and the year view."""
