"""组织发展: the procedure as data, development files, deadlines, 公示, thought reports, courses."""
