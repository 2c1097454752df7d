"""The fault suite (`make faults`): the production topology as processes, broken part by part."""
