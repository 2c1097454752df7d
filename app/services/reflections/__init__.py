"""微感悟：主题征集、撰写、编选入刊: the domain logic.

topics (open periods, the announcement), writing (from the chat), editing (the editorial queue),
insertion (into a newsletter issue's draft, and telling the authors once it is sent), person.
"""
