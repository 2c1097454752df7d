"""岗位建功：技术攻关、工艺改进、降本增效: the domain logic."""
