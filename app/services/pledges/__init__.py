"""廉洁承诺书 campaigns: the text and its versions, signing, reminders, progress."""
