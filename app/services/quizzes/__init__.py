"""Knowledge tests: the question bank, tests, answering and scoring, results."""
