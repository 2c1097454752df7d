"""微感悟：主题征集、撰写、编选入刊."""

from __future__ import annotations
