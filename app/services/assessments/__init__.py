"""三亮三挂三考核：月度、季度、年度考核表: the domain logic."""
