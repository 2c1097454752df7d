"""志愿服务：队伍、活动报名与候补、签到、服务时长、证书."""

from __future__ import annotations
