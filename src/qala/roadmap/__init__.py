"""The strategy roadmap: sections, activities, owners, deadlines, status and progress, people, partners."""
