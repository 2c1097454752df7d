"""支部概览与一键工作台账: the domain logic."""
