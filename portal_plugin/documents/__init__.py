"""文书与电子证照: the issued documents as PDF, the 许可证 正本/副本, and the public scan-to-verify page."""
