"""民主评议党员：自评、匿名互评、支部评定: the domain logic."""
