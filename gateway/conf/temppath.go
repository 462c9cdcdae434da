package conf

// TempPath is a "*_temp_path DIR [level1 [level2 [level3]]]" setting: the
// directory where a module spills bodies too large for its memory
// buffers, and the hashed sub-directory levels under it.
type TempPath struct {
	Dir    string
	Levels []int
}

// ParseTempPath reads a *_temp_path directive with nginx's checks.
func ParseTempPath(bl *Block, n *Node) (TempPath, error) {
	t, err := parseTempPath(bl, n)
	if err != nil {
		return TempPath{}, err
	}
	return TempPath{Dir: bl.B.Path(t.Path), Levels: t.Levels}, nil
}
