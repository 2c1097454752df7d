"""微感悟：主题征集、撰写、编选入刊: the domain logic."""
